import type Docker from 'dockerode';
import { BaseImageMissingError } from '../errors/base-image-missing.error';
import { readBuildDockerfile } from './context-archive';
import { pullWithLibpod } from './dockerode-transfer';
import type { BuildRegistries, ImageBuildSpec, TransferOptions } from './engine.port';
import { fromImages } from './from-images';
import { registryHost } from './registry-errors';

/**
 * Podman's build takes one `tlsVerify` for every pull it makes. So that TLS stays verified for
 * all other registries, the FROM images of the registries marked `insecure` are pulled first,
 * apart, through libpod's pull with `tlsVerify=false` and that registry's credentials (kept if
 * already there, as the build's own pull policy would); the build then finds them on the engine.
 * A FROM image that cannot be pulled fails the build as `base_image_missing`, as in the build.
 */
export async function pullInsecureBases(
  docker: Docker,
  spec: ImageBuildSpec,
  registries: BuildRegistries,
  onLine: (line: string) => boolean | void,
  signal: AbortSignal,
): Promise<void> {
  if (Object.keys(registries.insecure).length === 0) return;
  // No Dockerfile: packContext says so.
  const text = await readBuildDockerfile(spec.contextDir, spec.dockerfile);
  if (text === undefined) return;
  for (const { image, host, options } of insecureBaseImages(text, spec.buildArgs, registries)) {
    onLine(`[berth] pulling ${image} without TLS verification: [registries."${host}"] insecure = true`);
    try {
      await pullWithLibpod(docker, image, options, () => undefined, signal, 'missing');
    } catch (err) {
      if (signal.aborted) throw signal.reason;
      throw new BaseImageMissingError(image, `FROM ${image}`, err instanceof Error ? err.message : String(err));
    }
  }
}

/** The FROM images of `dockerfile` that come from a registry marked insecure, with how to pull each. */
export function insecureBaseImages(
  dockerfile: string,
  buildArgs: Record<string, string>,
  registries: BuildRegistries,
): Array<{ image: string; host: string; options: TransferOptions }> {
  return fromImages(dockerfile, buildArgs).flatMap((image) => {
    const host = registryHost(image);
    const options = registries.insecure[host];
    return options ? [{ image, host, options: { ...options, insecure: true } }] : [];
  });
}
