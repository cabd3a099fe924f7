import Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { NotFoundError, UnavailableError } from '../errors';
import { translateEngineError } from './engine-errors';
import type {
  BuildEngine,
  ContainerDetails,
  ContainerEngine,
  ContainerSpec,
  ContainerSummary,
  EngineCounts,
  ImageBuildSpec,
  ImageDetails,
  ImageEngine,
  ImageCommitSpec,
  ImageImportEngine,
  ImageImportSpec,
  ImageComposition,
  ImageTransferEngine,
  TransferEvent,
  TransferOptions,
  EngineVersion,
  LogOptions,
  LogStream,
  PortBinding,
  BuildRegistries,
  VolumeEngine,
  VolumeRemoval,
} from './engine.port';
import { buildWithDockerode } from './dockerode-build';
import { commitWithDockerode, importWithDockerode } from './dockerode-import';
import { composeWithDockerode, pullWithDockerode, pullWithLibpod, pushWithDockerode } from './dockerode-transfer';
import { forceRemoveWithDockerode, listImagesConsistently, listImagesWithDockerode, realTags } from './dockerode-images';
import { engineImageRef, normaliseImageName, splitTag } from './image-names';
import { LogFrameDecoder } from './log-frames';

export interface DockerodeEngineOptions {
  /** Unix socket of the engine's Docker-compatible API (with `connection`: the address shown in errors). */
  socketPath: string;
  /** How to reach an engine that is not a local socket (a node's TCP+TLS or SSH connection). */
  connection?: Docker.DockerOptions;
  /** The engine behind the socket (`[docker] runtime`, checked at start-up): some calls differ. */
  runtime: EngineVersion['engine'];
  /** Milliseconds a non-streaming call may take before it counts as unavailable. */
  timeoutMs: number;
  /** Registry credentials and plain-HTTP registries for builds' FROM images (`[registries]`). */
  buildRegistries?: BuildRegistries;
}

type RawPorts = Record<string, Array<{ HostIp?: string; HostPort?: string }> | null> | undefined;

/** ContainerEngine over dockerode; works against Docker and Podman's compatible API. */
export class DockerodeEngine implements ContainerEngine, ImageEngine, ImageTransferEngine, BuildEngine, VolumeEngine, VolumeRemoval, ImageImportEngine {
  readonly docker: Docker;

  constructor(private readonly options: DockerodeEngineOptions) {
    this.docker = new Docker(options.connection ?? { socketPath: options.socketPath });
  }

  async ping(): Promise<void> {
    await this.call({ kind: 'engine', ref: this.options.socketPath }, () => this.docker.ping());
  }

  async version(): Promise<EngineVersion> {
    const v = await this.call({ kind: 'engine', ref: this.options.socketPath }, () => this.docker.version());
    const components = (v as { Components?: Array<{ Name?: string }> }).Components ?? [];
    const podman = components.some((c) => /podman/i.test(c.Name ?? ''));
    return {
      engine: podman ? 'podman' : 'docker',
      version: v.Version,
      apiVersion: v.ApiVersion,
      os: v.Os,
      arch: v.Arch,
      kernelVersion: v.KernelVersion,
    };
  }

  async counts(): Promise<EngineCounts> {
    const subject = { kind: 'engine', ref: this.options.socketPath };
    const [containers, images] = await Promise.all([
      this.call(subject, () => this.docker.listContainers({ all: true })),
      this.call(subject, () => listImagesConsistently(this.docker)),
    ]);
    const running = containers.filter((c) => c.State === 'running').length;
    const paused = containers.filter((c) => c.State === 'paused').length;
    return { containers: containers.length, running, paused, stopped: containers.length - running - paused, images: images.length };
  }

  async listContainers(options: { all: boolean; labels: string[] }): Promise<ContainerSummary[]> {
    const filters = options.labels.length > 0 ? JSON.stringify({ label: options.labels }) : undefined;
    const list = await this.call({ kind: 'engine', ref: this.options.socketPath }, () =>
      this.docker.listContainers({ all: options.all, ...(filters ? { filters } : {}) }),
    );
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? '').replace(/^\//, ''),
      image: normaliseImageName(c.Image),
      state: c.State,
      status: c.Status,
      created: new Date(c.Created * 1000).toISOString(),
      labels: c.Labels ?? {},
      ports: (c.Ports ?? []).map((p) => ({
        containerPort: p.PrivatePort,
        protocol: (p.Type as PortBinding['protocol']) ?? 'tcp',
        ...(p.IP ? { hostIp: p.IP } : {}),
        ...(p.PublicPort ? { hostPort: p.PublicPort } : {}),
      })),
    }));
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    const c = await this.call({ kind: 'container', ref }, () => this.docker.getContainer(ref).inspect());
    const env = c.Config.Env ?? [];
    return {
      id: c.Id,
      name: c.Name.replace(/^\//, ''),
      image: normaliseImageName(c.Config.Image),
      imageId: c.Image,
      command: [...(c.Path ? [c.Path] : []), ...(c.Args ?? [])],
      state: {
        status: c.State.Status,
        running: c.State.Running,
        exitCode: c.State.ExitCode,
        ...(validTime(c.State.StartedAt) ? { startedAt: c.State.StartedAt } : {}),
        ...(validTime(c.State.FinishedAt) ? { finishedAt: c.State.FinishedAt } : {}),
        ...(c.State.Error ? { error: c.State.Error } : {}),
      },
      created: c.Created,
      restartCount: c.RestartCount ?? 0,
      restartPolicy: formatRestartPolicy(c.HostConfig.RestartPolicy),
      envNames: env.map((e) => e.split('=')[0] ?? e),
      labels: c.Config.Labels ?? {},
      ports: portsFromInspect(nonEmpty(c.NetworkSettings?.Ports) ?? (c.HostConfig.PortBindings as RawPorts)),
      tty: c.Config.Tty,
    };
  }

  async createContainer(spec: ContainerSpec): Promise<{ id: string; name: string }> {
    const exposed: Record<string, object> = {};
    const bindings: Record<string, Array<{ HostIp?: string; HostPort?: string }>> = {};
    for (const p of spec.ports) {
      const key = `${p.containerPort}/${p.protocol}`;
      exposed[key] = {};
      (bindings[key] ??= []).push({ HostIp: p.hostIp ?? '', HostPort: p.hostPort ? String(p.hostPort) : '' });
    }
    const subject = { kind: spec.name ? 'container name' : 'container', ref: spec.name ?? spec.image, image: spec.image };
    const created = await this.call(subject, () =>
      this.docker.createContainer({
        Image: spec.image,
        ...(spec.name ? { name: spec.name } : {}),
        ...(spec.command ? { Cmd: spec.command } : {}),
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ExposedPorts: exposed,
        HostConfig: {
          PortBindings: bindings,
          RestartPolicy: { Name: spec.restartPolicy.name, MaximumRetryCount: spec.restartPolicy.maximumRetryCount ?? 0 },
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes } : {}),
          ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
          ...(spec.init ? { Init: true } : {}),
          ...(spec.mounts?.length ? { Mounts: spec.mounts.map((m) => ({ Type: 'volume' as const, Source: m.volume, Target: m.path })) } : {}),
        },
      }),
    );
    const details = await this.inspectContainer(created.id);
    return { id: details.id, name: details.name };
  }

  async ensureVolume(name: string, labels: Record<string, string>): Promise<void> {
    // Both engines answer 201 with the existing volume when the name is taken.
    await this.call({ kind: 'volume', ref: name }, () => this.docker.createVolume({ Name: name, Labels: labels }));
  }

  async removeVolume(name: string): Promise<void> {
    try {
      await this.call({ kind: 'volume', ref: name }, () => this.docker.getVolume(name).remove());
    } catch (err) {
      if (!(err instanceof NotFoundError)) throw err;
    }
  }

  async startContainer(id: string): Promise<void> {
    await this.call({ kind: 'container', ref: id }, () => ignoreNotModified(this.docker.getContainer(id).start()));
  }

  async stopContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call({ kind: 'container', ref: id }, () => ignoreNotModified(this.docker.getContainer(id).stop({ t: timeoutSeconds })), timeoutSeconds * 1000);
  }

  async restartContainer(id: string, timeoutSeconds: number): Promise<void> {
    await this.call({ kind: 'container', ref: id }, () => this.docker.getContainer(id).restart({ t: timeoutSeconds }), timeoutSeconds * 1000);
  }

  async removeContainer(id: string, options: { force: boolean }): Promise<void> {
    await this.call({ kind: 'container', ref: id }, () => this.docker.getContainer(id).remove({ force: options.force, v: true }));
  }

  async containerLogs(id: string, options: LogOptions): Promise<LogStream> {
    const { tty } = await this.inspectContainer(id);
    const query = {
      stdout: true,
      stderr: true,
      timestamps: options.timestamps,
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
      ...(options.since !== undefined ? { since: options.since } : {}),
    };
    const container = this.docker.getContainer(id);
    const source = (await this.call({ kind: 'container', ref: id }, () =>
      options.follow ? container.logs({ ...query, follow: true }) : (container.logs({ ...query, follow: false }) as Promise<unknown>),
    )) as Readable | Buffer;
    return linesOf(source, new LogFrameDecoder(!tty));
  }

  async buildImage(spec: ImageBuildSpec, onLine: (line: string) => boolean | void, signal: AbortSignal): Promise<{ imageId: string }> {
    try {
      await buildWithDockerode(this.docker, spec, onLine, signal, this.options.runtime, this.options.buildRegistries);
    } catch (err) {
      throw signal.aborted ? err : translateEngineError(err, { kind: 'image', ref: spec.tag });
    }
    return { imageId: (await this.inspectImage(spec.tag)).id };
  }

  async inspectImage(ref: string): Promise<ImageDetails> {
    const image = await this.call({ kind: 'image', ref }, () => this.docker.getImage(engineImageRef(ref)).inspect());
    return {
      id: image.Id,
      tags: realTags(image.RepoTags).map(normaliseImageName),
      labels: image.Config?.Labels ?? {},
      created: image.Created,
      size: image.Size,
      exposedPorts: exposedTcpPorts(image.Config?.ExposedPorts),
    };
  }

  async tagImage(id: string, tag: string): Promise<void> {
    const { repo, tag: name } = splitTag(tag);
    await this.call({ kind: 'image', ref: id }, () => this.docker.getImage(engineImageRef(id)).tag({ repo, tag: name }));
  }

  async pullImage(ref: string, options: TransferOptions, onEvent: (e: TransferEvent) => void, signal: AbortSignal): Promise<{ imageId: string }> {
    const pull = this.options.runtime === 'podman' ? pullWithLibpod : pullWithDockerode;
    await pull(this.docker, ref, this.transfer(options), onEvent, signal);
    return { imageId: (await this.inspectImage(ref)).id };
  }

  async pushImage(ref: string, options: TransferOptions, onEvent: (e: TransferEvent) => void, signal: AbortSignal): Promise<{ digest?: string }> {
    const digest = await pushWithDockerode(this.docker, ref, this.transfer(options), onEvent, signal);
    return digest ? { digest } : {};
  }

  async composeImage(ref: string): Promise<ImageComposition> {
    return this.call({ kind: 'image', ref }, () => composeWithDockerode(this.docker, ref));
  }

  /** Docker decides TLS by its own `insecure-registries` (127.0.0.0/8 by default); only Podman takes `tlsVerify`. */
  private transfer(options: TransferOptions): TransferOptions {
    return this.options.runtime === 'podman' ? options : { ...options, insecure: false };
  }

  async listImages(options: { labels: string[] }): Promise<ImageDetails[]> {
    return this.call({ kind: 'engine', ref: this.options.socketPath }, () => listImagesWithDockerode(this.docker, options.labels));
  }

  async removeImage(ref: string, options: { force: boolean }): Promise<void> {
    if (!options.force) {
      await this.call({ kind: 'image', ref }, () => this.docker.getImage(engineImageRef(ref)).remove());
      return;
    }
    const podman = this.options.runtime === 'podman';
    await this.call({ kind: 'image', ref }, () => forceRemoveWithDockerode(this.docker, engineImageRef(ref), podman));
  }

  async importImage(tar: Readable, spec: ImageImportSpec, signal: AbortSignal): Promise<{ imageId: string }> {
    try {
      await importWithDockerode(this.docker, tar, spec, this.options.runtime, signal);
    } catch (err) {
      throw translateEngineError(err, { kind: 'image', ref: spec.tag });
    }
    return { imageId: (await this.inspectImage(spec.tag)).id };
  }

  async commitContainer(id: string, spec: ImageCommitSpec): Promise<{ imageId: string }> {
    // Copying a large file system takes long: no deadline beyond the engine's own.
    const imageId = await commitWithDockerode(this.docker, id, spec, this.options.runtime).catch((err: unknown) => {
      throw translateEngineError(err, { kind: 'container', ref: id });
    });
    return { imageId };
  }

  /** Runs one engine call with a deadline, translating every failure into Berth's errors. */
  private async call<T>(subject: { kind: string; ref: string; image?: string }, fn: () => Promise<T>, extraMs = 0): Promise<T> {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(new UnavailableError('engine', `container engine did not answer within ${this.options.timeoutMs + extraMs} ms`)),
        this.options.timeoutMs + extraMs,
      );
    });
    try {
      return await Promise.race([fn(), deadline]);
    } catch (err) {
      throw translateEngineError(err, subject);
    } finally {
      clearTimeout(timer);
    }
  }
}

async function ignoreNotModified(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (err) {
    if ((err as { statusCode?: number }).statusCode !== 304) throw err;
  }
}

function validTime(t: string | undefined): boolean {
  return !!t && !t.startsWith('0001-01-01');
}

function formatRestartPolicy(p: { Name?: string; MaximumRetryCount?: number } | undefined): string {
  const name = p?.Name || 'no';
  return name === 'on-failure' && p?.MaximumRetryCount ? `${name}:${p.MaximumRetryCount}` : name;
}

/** Docker reports `{}` as the live ports of a container that is not running; Podman the bindings. */
function nonEmpty(raw: RawPorts): RawPorts {
  return raw && Object.keys(raw).length > 0 ? raw : undefined;
}

function portsFromInspect(raw: RawPorts): PortBinding[] {
  const ports: PortBinding[] = [];
  for (const [key, hosts] of Object.entries(raw ?? {})) {
    const [port, protocol] = key.split('/');
    const base = { containerPort: Number(port), protocol: (protocol ?? 'tcp') as PortBinding['protocol'] };
    if (!hosts || hosts.length === 0) ports.push(base);
    for (const h of hosts ?? []) {
      ports.push({ ...base, ...(h.HostIp ? { hostIp: h.HostIp } : {}), ...(h.HostPort ? { hostPort: Number(h.HostPort) } : {}) });
    }
  }
  return ports;
}

function linesOf(source: Readable | Buffer, decoder: LogFrameDecoder): LogStream {
  if (Buffer.isBuffer(source)) {
    const lines = [...decoder.push(source), ...decoder.end()];
    return {
      close: () => undefined,
      [Symbol.asyncIterator]: async function* () {
        yield* lines;
      },
    };
  }
  return {
    close: () => source.destroy(),
    [Symbol.asyncIterator]: async function* () {
      try {
        for await (const chunk of source) yield* decoder.push(chunk as Buffer);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ERR_STREAM_PREMATURE_CLOSE' && !source.destroyed) throw err;
      }
      yield* decoder.end();
    },
  };
}

/** `{"8080/tcp": {}}` → [8080]; UDP and malformed keys are not ports an app is served on. */
export function exposedTcpPorts(exposed: Record<string, unknown> | undefined): number[] {
  const ports = Object.keys(exposed ?? {}).flatMap((key) => {
    const match = /^(\d{1,5})(?:\/tcp)?$/.exec(key);
    const port = match ? Number(match[1]) : 0;
    return port >= 1 && port <= 65535 ? [port] : [];
  });
  return [...new Set(ports)].sort((a, b) => a - b);
}
