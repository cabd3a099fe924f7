import type Docker from 'dockerode';
import type { Readable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { BuildFailedError } from '../errors';
import { BaseImageMissingError } from '../errors/base-image-missing.error';
import { createBuildCgroup, type BuildCgroup } from './build-cgroup';
import { BuildStreamReader } from './build-output';
import { BUILD_DOCKERFILE, packContext } from './context-archive';
import type { BuildRegistries, ImageBuildSpec } from './engine.port';
import { pullInsecureBases } from './insecure-base-pull';

const CPU_PERIOD = 100_000;
/** A stopped build's killed processes leave within moments; later tries run in the background. */
const STOPPED_REMOVE_WAIT_MS = 1_000;
/**
 * Podman 4's build API runs RUN steps in the host's network namespace unless told otherwise
 * (`nsoptions`), where they could reach services bound to the host's 127.0.0.1. Every build
 * gets a namespace of its own, as on Docker.
 */
const PODMAN_OWN_NETNS = JSON.stringify([{ Name: 'network', Host: false }]);

/**
 * Runs one legacy-builder build. Aborting `signal` closes the connection, which Docker takes as
 * "cancel the build"; Podman 4 would stop only at the end of the running step, so the processes
 * in the build's cgroup are killed too. `forcerm` keeps failed
 * builds from leaving intermediate containers behind. The output is read chunk by chunk and
 * handed on line by line, never kept: once `onLine` returns false, lines are no longer made, but
 * the stream is still read to its end for the failure or the image id. Resolves with the image
 * id the engine reported, if it did.
 */
export async function buildWithDockerode(
  docker: Docker,
  spec: ImageBuildSpec,
  onLine: (line: string) => boolean | void,
  signal: AbortSignal,
  runtime: 'docker' | 'podman',
  registries: BuildRegistries = { auth: {}, insecure: {} },
): Promise<string | undefined> {
  if (signal.aborted) throw signal.reason;
  const cgroup = spec.pidsLimit ? await createBuildCgroup(spec.pidsLimit) : undefined;
  let ended = false;
  try {
    const imageId = await runBuild(docker, spec, onLine, signal, runtime, cgroup, registries);
    ended = true;
    return imageId;
  } finally {
    // Podman 4 runs the current step of a stopped build (or of one whose connection broke) to its
    // end: its processes are killed (Docker stops them itself; the kill does no harm there, nor
    // in the empty cgroup of a build that failed). A cgroup left over costs next to nothing; it
    // must not turn a finished build into a failure, nor hold up the cancel.
    if (!ended) await cgroup?.kill().catch(() => undefined);
    await cgroup?.remove(signal.aborted ? STOPPED_REMOVE_WAIT_MS : 3000).catch(() => undefined);
  }
}

async function runBuild(
  docker: Docker,
  spec: ImageBuildSpec,
  onLine: (line: string) => boolean | void,
  signal: AbortSignal,
  runtime: 'docker' | 'podman',
  cgroup: BuildCgroup | undefined,
  registries: BuildRegistries,
): Promise<string | undefined> {
  // A multi-stage target is not the last stage, where an appended LABEL would land.
  const inlineLabels = !spec.target && Object.keys(spec.labels).length > 0;
  // Podman reads its registries.conf once per service start; Berth's `insecure` registries are
  // reached by pulling their FROM images first (Docker decides by its own `insecure-registries`).
  if (runtime === 'podman') await pullInsecureBases(docker, spec, registries, onLine, signal);
  const context = await packContext(spec.contextDir, spec.dockerfile, { ...(inlineLabels ? { labels: spec.labels } : {}), alwaysSend: spec.alwaysSend ?? [], signal });
  const stream = (await docker.buildImage(context, buildOptions(spec, runtime, cgroup, registries, inlineLabels) as Docker.ImageBuildOptions)) as Readable;
  const abort = () => {
    stream.destroy();
    context.destroy();
  };
  signal.addEventListener('abort', abort, { once: true });
  // Aborted while the engine was answering: the listener came too late to hear it.
  if (signal.aborted) abort();
  const reader = new BuildStreamReader();
  let forwarding = true;
  const forward = (lines: string[]) => {
    for (const line of lines) {
      if (!forwarding) return;
      if (onLine(line) === false) {
        forwarding = false;
        reader.parser.silence();
      }
    }
  };
  try {
    for await (const chunk of stream) {
      forward(reader.push(chunk as Buffer));
      // Buffered chunks would otherwise be read back to back: let log writes, lock renewals
      // and the cancel poll have their turn between them.
      await nextTurn();
    }
    forward(reader.end());
  } catch (err) {
    if (signal.aborted) throw signal.reason;
    throw err;
  } finally {
    signal.removeEventListener('abort', abort);
  }
  if (signal.aborted) throw signal.reason;
  const missing = reader.parser.missingBaseImage;
  if (missing) throw new BaseImageMissingError(missing.image, missing.instruction, reader.parser.error ?? 'pull failed');
  if (reader.parser.error !== undefined) throw new BuildFailedError(reader.parser.error);
  return reader.parser.imageId;
}

/** The engine's build query. */
export function buildOptions(
  spec: ImageBuildSpec,
  runtime: 'docker' | 'podman',
  cgroup: BuildCgroup | undefined,
  registries: BuildRegistries,
  inlineLabels: boolean,
): Record<string, unknown> {
  return {
    t: spec.tag,
    dockerfile: BUILD_DOCKERFILE,
    buildargs: spec.buildArgs,
    ...(inlineLabels ? {} : { labels: spec.labels }),
    nocache: spec.noCache,
    rm: true,
    forcerm: true,
    ...(spec.target ? { target: spec.target } : {}),
    ...resourceOptions(spec, cgroup),
    ...networkOptions(spec, runtime),
    // `[registries]` credentials for FROM images (X-Registry-Config); never in the build's log.
    ...(Object.keys(registries.auth).length > 0 ? { registryconfig: registries.auth } : {}),
    // No `tlsVerify` (it would apply to every FROM): an `insecure` registry's FROM images are pulled apart first.
  };
}

function resourceOptions(spec: ImageBuildSpec, cgroup: BuildCgroup | undefined): Record<string, unknown> {
  const cpuQuota = spec.nanoCpus ? Math.round((spec.nanoCpus / 1e9) * CPU_PERIOD) : undefined;
  return {
    ...(spec.memoryBytes ? { memory: spec.memoryBytes, memswap: -1 } : {}),
    ...(cpuQuota ? { cpuperiod: CPU_PERIOD, cpuquota: cpuQuota } : {}),
    ...(cgroup ? { cgroupparent: cgroup.parent } : {}),
  };
}

/** Docker takes a network mode; Podman 4 a namespace choice plus a "configure the network" policy. */
function networkOptions(spec: ImageBuildSpec, runtime: 'docker' | 'podman'): Record<string, string> {
  const none = spec.network === 'none';
  if (runtime === 'podman') return { nsoptions: PODMAN_OWN_NETNS, ...(none ? { networkmode: 'NetworkDisabled' } : {}) };
  return none ? { networkmode: 'none' } : {};
}
