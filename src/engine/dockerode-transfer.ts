import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { AppError } from '../errors';
import { engineMessage, translateEngineError } from './engine-errors';
import type { ImageComposition, TransferEvent, TransferOptions } from './engine.port';
import { engineImageRef, splitTag } from './image-names';
import { registryFailure } from './registry-errors';

/** One JSON message of the engine's pull/push stream. */
interface ProgressMessage {
  status?: string;
  id?: string;
  progressDetail?: { current?: number; total?: number };
  error?: string;
  errorDetail?: { message?: string };
  aux?: { Digest?: string };
  /** Podman's libpod API: its progress as text lines. */
  stream?: string;
}

const DIGEST_IN_STATUS = /digest: (sha256:[a-f0-9]{64})/;

/**
 * Pulls `ref` through Podman's own API: its compatible pull ignores `tlsVerify`, so a plain-HTTP
 * registry could only be reached by editing registries.conf and restarting the service. `missing`
 * keeps an image already there, as a build's FROM does.
 */
export async function pullWithLibpod(
  docker: Docker,
  ref: string,
  options: TransferOptions,
  onEvent: (e: TransferEvent) => void,
  signal: AbortSignal,
  policy: 'always' | 'missing' = 'always',
): Promise<void> {
  const [os, arch, variant] = options.platform?.split('/') ?? [];
  const query = {
    reference: ref,
    quiet: false,
    policy,
    ...(options.insecure ? { tlsVerify: false } : {}),
    ...(os ? { os } : {}),
    ...(arch ? { arch } : {}),
    ...(variant ? { variant } : {}),
  };
  const stream = await transferCall(
    ref,
    () =>
      new Promise<Readable>((resolve, reject) =>
        docker.modem.dial(
          {
            path: '/v4.0.0/libpod/images/pull?',
            method: 'POST',
            options: query,
            authconfig: options.auth ?? {},
            isStream: true,
            statusCodes: { 200: true, 400: 'bad parameter', 500: 'server error' },
          },
          (err, data) => (err ? reject(err) : resolve(data as Readable)),
        ),
      ),
  );
  await readProgress(stream, ref, onEvent, signal);
}

/** Pulls `ref`: a digest reference as it is, a tag with its tag named (the engine would pull every tag otherwise). */
export async function pullWithDockerode(docker: Docker, ref: string, options: TransferOptions, onEvent: (e: TransferEvent) => void, signal: AbortSignal): Promise<void> {
  const pinned = ref.includes('@');
  const { repo, tag } = splitTag(ref);
  const query = {
    fromImage: pinned ? ref : repo,
    ...(pinned ? {} : { tag }),
    ...(options.platform ? { platform: options.platform } : {}),
    ...(options.insecure ? { tlsVerify: false } : {}),
  };
  const stream = await transferCall(ref, () => docker.createImage((options.auth ?? {}) as never, query as never) as unknown as Promise<Readable>);
  await readProgress(stream, ref, onEvent, signal);
}

/** Pushes the local tag `ref`; the manifest digest as the registry reported it. */
export async function pushWithDockerode(
  docker: Docker,
  ref: string,
  options: TransferOptions,
  onEvent: (e: TransferEvent) => void,
  signal: AbortSignal,
): Promise<string | undefined> {
  const { repo, tag } = splitTag(ref);
  const query = { tag, authconfig: options.auth ?? {}, ...(options.insecure ? { tlsVerify: false } : {}) };
  const stream = await transferCall(ref, () => docker.getImage(repo).push(query as never) as unknown as Promise<Readable>);
  return readProgress(stream, ref, onEvent, signal);
}

/** Layers, history, config and repo digests of an image. */
export async function composeWithDockerode(docker: Docker, ref: string): Promise<ImageComposition> {
  const image = docker.getImage(engineImageRef(ref));
  const [info, steps] = await Promise.all([image.inspect(), image.history() as Promise<RawHistory[]>]);
  const history = [...steps].reverse().map((h) => ({
    ...(h.Created ? { created: new Date(h.Created * 1000).toISOString() } : {}),
    created_by: h.CreatedBy ?? '',
    size: h.Size ?? 0,
    ...(h.Comment ? { comment: h.Comment } : {}),
  }));
  const config = info.Config ?? ({} as Partial<typeof info.Config>);
  return {
    layers: layersWithSizes(info.RootFS?.Layers ?? [], history),
    history,
    config: {
      env: config.Env ?? [],
      ...(config.Cmd ? { cmd: asList(config.Cmd) } : {}),
      ...(config.Entrypoint ? { entrypoint: asList(config.Entrypoint) } : {}),
      ...(config.WorkingDir ? { workdir: config.WorkingDir } : {}),
      exposed_ports: Object.keys(config.ExposedPorts ?? {}).sort(),
      labels: config.Labels ?? {},
    },
    repoDigests: info.RepoDigests ?? [],
  };
}

interface RawHistory {
  Created?: number;
  CreatedBy?: string;
  Size?: number;
  Comment?: string;
}

/**
 * The engines give layer digests (RootFS) without sizes, and history steps with sizes but not
 * which made a layer. The steps that wrote bytes are the layers when their count matches; a
 * layer of zero bytes makes the counts differ, and then sizes are left out rather than guessed.
 */
export function layersWithSizes(digests: string[], history: Array<{ size: number }>): Array<{ digest: string; size?: number }> {
  const sized = history.filter((h) => h.size > 0);
  return digests.map((digest, i) => (sized.length === digests.length ? { digest, size: sized[i]!.size } : { digest }));
}

function asList(value: string[] | string): string[] {
  return Array.isArray(value) ? value : [value];
}

/** The first call of a transfer: a socket failure is the engine's, anything else the registry's. */
async function transferCall<T>(ref: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (err instanceof AppError || (code && /^E[A-Z]+$/.test(code))) throw translateEngineError(err, { kind: 'image', ref });
    throw registryFailure(ref, streamCallMessage(err));
  }
}

/** A streaming call's error keeps the engine's text in `message` only (`json` is null): `(HTTP code 500) server error - <text>`. */
function streamCallMessage(err: unknown): string {
  const e = err as { json?: unknown; message?: string };
  if (e.json || !e.message) return engineMessage(err);
  return e.message.replace(/^\(HTTP code \d+\) [^-]*- /, '').trim();
}

/** Reads the engine's progress stream to its end; an error message in it rejects as the registry's failure. */
function readProgress(stream: Readable, ref: string, onEvent: (e: TransferEvent) => void, signal: AbortSignal): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    let buffered = '';
    let digest: string | undefined;
    let failure: Error | undefined;
    const abort = () => stream.destroy(new Error('aborted'));
    signal.addEventListener('abort', abort, { once: true });
    // Aborted while the engine was answering: the listener came too late to hear it.
    if (signal.aborted) abort();
    const take = (line: string) => {
      if (line.trim() === '' || failure) return;
      let message: ProgressMessage;
      try {
        message = JSON.parse(line) as ProgressMessage;
      } catch {
        return;
      }
      if (message.error || message.errorDetail) {
        failure = registryFailure(ref, message.errorDetail?.message ?? message.error ?? 'unknown error');
        return;
      }
      digest = message.aux?.Digest ?? DIGEST_IN_STATUS.exec(message.status ?? '')?.[1] ?? digest;
      if (message.status) onEvent(toEvent(message));
      else if (message.stream) onEvent(libpodEvent(message.stream));
    };
    stream.on('data', (chunk: Buffer) => {
      const lines = (buffered + chunk.toString('utf8')).split('\n');
      buffered = lines.pop() ?? '';
      // A line longer than any progress message is noise: drop it rather than hold it.
      if (buffered.length > 64 * 1024) buffered = '';
      lines.forEach(take);
    });
    let done = false;
    const finish = (err?: Error) => {
      if (done) return;
      done = true;
      signal.removeEventListener('abort', abort);
      take(buffered);
      if (signal.aborted) reject(new Error('aborted'));
      else if (failure) reject(failure);
      else if (err) reject(registryFailure(ref, err.message));
      else resolve(digest);
    };
    stream.on('end', () => finish());
    stream.on('error', (err: Error) => finish(err));
    stream.on('close', () => finish(new Error('the engine closed the stream early')));
  });
}

/** `Copying blob sha256:<hex>` is a layer's step; other lines are the image's. */
function libpodEvent(text: string): TransferEvent {
  const blob = /^Copying blob (?:sha256:)?([a-f0-9]{12})/.exec(text);
  return blob ? { layer: blob[1]!, status: 'Copying blob' } : { status: text.trim() };
}

function toEvent(message: ProgressMessage): TransferEvent {
  const detail = message.progressDetail ?? {};
  return {
    status: message.status ?? '',
    ...(message.id ? { layer: message.id } : {}),
    ...(typeof detail.current === 'number' ? { current: detail.current } : {}),
    ...(typeof detail.total === 'number' && detail.total > 0 ? { total: detail.total } : {}),
  };
}
