import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { BuildFailedError } from '../errors';
import { BuildOutputParser, type RawBuildEvent } from './build-output';
import { BUILD_DOCKERFILE, packContext } from './context-archive';
import type { ImageBuildSpec } from './engine.port';

const CPU_PERIOD = 100_000;

/**
 * Runs one legacy-builder build. Aborting `signal` closes the connection, which Docker takes as
 * "cancel the build" (Podman 4 stops at the end of the running step). `forcerm` keeps failed
 * builds from leaving intermediate containers behind.
 */
export async function buildWithDockerode(
  docker: Docker,
  spec: ImageBuildSpec,
  onLine: (line: string) => void,
  signal: AbortSignal,
): Promise<void> {
  if (signal.aborted) throw signal.reason;
  // A multi-stage target is not the last stage, where an appended LABEL would land.
  const inlineLabels = !spec.target && Object.keys(spec.labels).length > 0;
  const context = await packContext(spec.contextDir, spec.dockerfile, { ...(inlineLabels ? { labels: spec.labels } : {}), alwaysSend: spec.alwaysSend ?? [], signal });
  const cpuQuota = spec.nanoCpus ? Math.round((spec.nanoCpus / 1e9) * CPU_PERIOD) : undefined;
  const stream = (await docker.buildImage(context as unknown as NodeJS.ReadableStream, {
    t: spec.tag,
    dockerfile: BUILD_DOCKERFILE,
    buildargs: spec.buildArgs,
    ...(inlineLabels ? {} : { labels: spec.labels }),
    nocache: spec.noCache,
    rm: true,
    forcerm: true,
    ...(spec.target ? { target: spec.target } : {}),
    ...(spec.memoryBytes ? { memory: spec.memoryBytes, memswap: -1 } : {}),
    ...(cpuQuota ? { cpuperiod: CPU_PERIOD, cpuquota: cpuQuota } : {}),
  })) as Readable;
  const parser = new BuildOutputParser();
  const abort = () => {
    stream.destroy();
    context.destroy();
  };
  signal.addEventListener('abort', abort, { once: true });
  try {
    await new Promise<void>((resolve, reject) => {
      docker.modem.followProgress(
        stream,
        (err: Error | null) => (err ? reject(err) : resolve()),
        (event: RawBuildEvent) => parser.push(event).forEach(onLine),
      );
      stream.once('close', () => (signal.aborted ? reject(signal.reason) : undefined));
    });
  } finally {
    signal.removeEventListener('abort', abort);
  }
  parser.flush().forEach(onLine);
  if (signal.aborted) throw signal.reason;
  if (parser.error !== undefined) throw new BuildFailedError(parser.error);
}
