import type { BerthConfig } from '../config/config.schema';
import type { ContainerEngine } from '../engine/engine.port';
import type { RuntimeInfo } from '../models/runtime.model';

/** Describes the engine Berth drives, in the user's own config terms plus what the engine says. */
export class RuntimeService {
  constructor(
    private readonly engine: ContainerEngine,
    private readonly config: Pick<BerthConfig, 'docker'>,
  ) {}

  async info(): Promise<RuntimeInfo> {
    const [version, counts] = await Promise.all([this.engine.version(), this.engine.counts()]);
    const { runtime, socket_path, rootless, build_dir } = this.config.docker;
    return {
      runtime,
      socket_path,
      rootless,
      build_dir,
      engine: {
        name: version.engine,
        version: version.version,
        api_version: version.apiVersion,
        os: version.os,
        arch: version.arch,
        ...(version.kernelVersion ? { kernel_version: version.kernelVersion } : {}),
      },
      containers: { total: counts.containers, running: counts.running, paused: counts.paused, stopped: counts.stopped },
      images: counts.images,
    };
  }
}
