import type Docker from 'dockerode';
import http from 'node:http';
import type { Duplex, Readable } from 'node:stream';
import { translateEngineError } from './engine-errors';
import type { ContainerEngine, LogLine, RunContainerSpec, RunEngine, RunOutcome } from './engine.port';
import { LogFrameDecoder } from './log-frames';

/** Seconds a killed run's output stream may stay open before Berth stops reading it. */
const DRAIN_AFTER_KILL_MS = 10_000;
/** Milliseconds the engine may take to answer an attach. */
const ATTACH_TIMEOUT_MS = 30_000;

/**
 * One-shot runs over dockerode, on Docker and Podman alike: the container is attached before it
 * starts (no output is missed), stdin is written and half-closed, and the multiplexed output is
 * decoded into lines by `LogFrameDecoder`.
 */
export class DockerodeRunEngine implements RunEngine {
  constructor(
    private readonly docker: Docker,
    private readonly engine: Pick<ContainerEngine, 'removeContainer' | 'listContainers' | 'inspectImage'>,
    /** The engine's unix socket: stdin needs a hijacked connection made here, not by docker-modem. */
    private readonly socketPath: string,
  ) {}

  async createRunContainer(spec: RunContainerSpec): Promise<{ id: string }> {
    const withStdin = spec.stdin !== undefined;
    try {
      const container = await this.docker.createContainer({
        Image: spec.image,
        Cmd: spec.command,
        Env: Object.entries(spec.env).map(([k, v]) => `${k}=${v}`),
        Labels: spec.labels,
        ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
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
          ...(spec.binds?.length ? { Binds: spec.binds } : {}),
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
    let stream: Readable;
    try {
      stream =
        stdin !== undefined ? await hijackAttach(this.socketPath, id) : ((await container.attach({ stream: true, stdout: true, stderr: true })) as unknown as Readable);
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
 * Attaches with stdin over a connection upgraded to a raw stream. docker-modem's hijack sends its
 * options as a JSON body, which Podman hands to the process as the first bytes of its stdin, and
 * without that body Podman never upgrades; an empty body with Content-Length 0 suits both engines.
 */
function hijackAttach(socketPath: string, id: string): Promise<Duplex> {
  return new Promise((resolve, reject) => {
    const req = http.request({
      socketPath,
      method: 'POST',
      path: `/containers/${encodeURIComponent(id)}/attach?stream=1&stdin=1&stdout=1&stderr=1`,
      headers: { Connection: 'Upgrade', Upgrade: 'tcp', 'Content-Length': 0 },
      timeout: ATTACH_TIMEOUT_MS,
    });
    req.on('upgrade', (_res, socket: Duplex, head: Buffer) => {
      // The deadline was for the answer; a run may then be quiet for as long as it likes.
      (socket as Duplex & { setTimeout(ms: number): void }).setTimeout(0);
      if (head.length > 0) socket.unshift(head);
      resolve(socket);
    });
    req.on('response', (res: http.IncomingMessage) => {
      res.resume();
      reject(Object.assign(new Error(`attach answered ${res.statusCode ?? 0}`), { statusCode: res.statusCode }));
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('attach did not answer'), { code: 'ETIMEDOUT' })));
    req.on('error', reject);
    req.end();
  });
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
