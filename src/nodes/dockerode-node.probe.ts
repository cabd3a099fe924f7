import type Docker from 'dockerode';
import type { NodeFacts, NodeProbe } from './node.state';

interface EngineInfo {
  Name?: string;
  OperatingSystem?: string;
  KernelVersion?: string;
  NCPU?: number;
  MemTotal?: number;
  Containers?: number;
  Images?: number;
}

/** A node's facts from the engine's `/info` and `/version` (both engines answer them alike). */
export function dockerodeProbe(docker: Docker): NodeProbe {
  return async (): Promise<NodeFacts> => {
    const [info, version] = await Promise.all([docker.info() as Promise<EngineInfo>, docker.version()]);
    const components = (version as { Components?: Array<{ Name?: string }> }).Components ?? [];
    return {
      hostname: info.Name ?? '',
      os: info.OperatingSystem ?? version.Os ?? '',
      kernel: info.KernelVersion ?? version.KernelVersion ?? '',
      engine: components.some((c) => /podman/i.test(c.Name ?? '')) ? 'podman' : 'docker',
      engineVersion: version.Version ?? '',
      cpus: info.NCPU ?? 0,
      memoryBytes: info.MemTotal ?? 0,
      containers: info.Containers ?? 0,
      images: info.Images ?? 0,
    };
  };
}
