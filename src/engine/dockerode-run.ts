import type Docker from 'dockerode';
import type { Duplex, Readable } from 'node:stream';
import { translateEngineError } from './engine-errors';
import type { ContainerEngine, LogLine, RunContainerSpec, RunEngine, RunOutcome } from './engine.port';
import { LogFrameDecoder } from './log-frames';

/** Seconds a killed run's output stream may stay open before Berth stops reading it. */
const DRAIN_AFTER_KILL_MS = 10_000;

/**
 * One-shot runs over dockerode, on Docker and Podman alike: the container is attached before it
 * starts (no output is missed), stdin is written and half-closed, and the multiplexed output is
 * decoded into lines by `LogFrameDecoder`.
 */
export class DockerodeRunEngine implements RunEngine {
  constructor(
    private readonly docker: Docker,
    private readonly engine: Pick<ContainerEngine, 'removeContainer' | 'listContainers' | 'inspectImage'>,
    private readonly runtime: 'docker' | 'podman',
  ) {}

  async createRunContainer(spec: RunContainerSpec): Promise<{ id: string }> {
    const withStdin = spec.stdin !== undefined;
    try {
      const container = await this.docker.createContainer({
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        Tty: false,
        OpenStdin: withStdin,
        StdinOnce: withStdin,
        AttachStdin: withStdin,
        AttachStdout: true,
        AttachStderr: true,
        HostConfig: {
          AutoRemove: false,
          NetworkMode: spec.network,
          PidsLimit: spec.pidsLimit,
          SecurityOpt: ['no-new-privileges'],
          CapDrop: ['ALL'],
          ...(spec.capAdd.length ? { CapAdd: spec.capAdd } : {}),
          ...(spec.memoryBytes ? { Memory: spec.memoryBytes, MemorySwap: spec.memoryBytes } : {}),
          ...(spec.nanoCpus ? { NanoCpus: spec.nanoCpus } : {}),
        },
      });
      return { id: container.id };
    } catch (err) {
      throw translateEngineError(err, { kind: 'container', ref: spec.image, image: spec.image });
    }
  }

  async runContainer(
    id: string,
    stdin: string | undefined,
    onLine: (line: LogLine) => void,
    options: { signal: AbortSignal; maxOutputBytes: number },
  ): Promise<RunOutcome> {
    const container = this.docker.getContainer(id);
    const subject = { kind: 'container', ref: id };
    let stream: Duplex | Readable;
    try {
      stream = (await container.attach(attachOptions(stdin !== undefined, this.runtime))) as Duplex;
      await container.start();
    } catch (err) {
      throw translateEngineError(err, subject);
    }
    const kill = () => void container.kill({ signal: 'SIGKILL' }).catch(() => undefined);
    if (options.signal.aborted) kill();
    options.signal.addEventListener('abort', kill, { once: true });
    try {
      if (stdin !== undefined) (stream as Duplex).end(stdin);
      const outputCut = await readOutput(stream, onLine, options);
      const [waited, details] = await Promise.all([container.wait() as Promise<{ StatusCode?: unknown }>, container.inspect()]).catch((err: unknown) => {
        throw translateEngineError(err, subject);
      });
      const exitCode = typeof waited.StatusCode === 'number' ? waited.StatusCode : details.State.ExitCode;
      return { exitCode, oomKilled: details.State.OOMKilled === true, outputCut };
    } finally {
      options.signal.removeEventListener('abort', kill);
    }
  }

  removeContainer(id: string, options: { force: boolean }): Promise<void> {
    return this.engine.removeContainer(id, options);
  }

  listContainers(options: { all: boolean; labels: string[] }) {
    return this.engine.listContainers(options);
  }

  inspectImage(ref: string) {
    return this.engine.inspectImage(ref);
  }
}

/**
 * Query of the attach call. With stdin the connection is hijacked; docker-modem would also send
 * the options as a JSON body, which Podman hands to the process as the first bytes of its stdin:
 * for Podman an empty `_body` sends none. Docker ignores that body, but waits for it before it
 * upgrades the connection, so it keeps it.
 */
function attachOptions(withStdin: boolean, runtime: 'docker' | 'podman'): Docker.ContainerAttachOptions {
  const query = { stream: true, stdout: true, stderr: true, ...(withStdin ? { stdin: true } : {}) };
  if (!withStdin) return query;
  const hijacked = { ...query, hijack: true };
  return runtime === 'podman' ? ({ ...hijacked, _query: query, _body: {} } as Docker.ContainerAttachOptions) : hijacked;
}

/** Decodes the attach stream until it ends; past the byte cap it only drains. True when output was dropped. */
function readOutput(stream: Readable, onLine: (line: LogLine) => void, options: { signal: AbortSignal; maxOutputBytes: number }): Promise<boolean> {
  const decoder = new LogFrameDecoder(true);
  let seen = 0;
  let cut = false;
  return new Promise((resolve) => {
    let drainTimer: NodeJS.Timeout | undefined;
    let done = false;
    const finish = () => {
      if (done) return;
      done = true;
      clearTimeout(drainTimer);
      options.signal.removeEventListener('abort', onAbort);
      if (!cut) decoder.end().forEach(onLine);
      resolve(cut);
    };
    // A killed container closes its stream; should an engine keep it open, stop waiting for it.
    const onAbort = () => {
      drainTimer = setTimeout(() => stream.destroy(), DRAIN_AFTER_KILL_MS);
    };
    options.signal.addEventListener('abort', onAbort, { once: true });
    if (options.signal.aborted) onAbort();
    stream.on('data', (chunk: Buffer) => {
      seen += chunk.length;
      if (cut) return;
      if (seen > options.maxOutputBytes) {
        cut = true;
        return;
      }
      decoder.push(chunk).forEach(onLine);
    });
    stream.once('end', finish);
    stream.once('close', finish);
    stream.once('error', finish);
  });
}
