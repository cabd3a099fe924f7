import type Docker from 'dockerode';
import { ConflictError, NotFoundError } from '../errors';
import { translateEngineError } from './engine-errors';
import type { ImageDetails } from './engine.port';
import { isTagOf, normaliseImageName, splitTag } from './image-names';
import { matchesLabelFilters } from './label-filter';

const LIST_ATTEMPTS = 5;

/**
 * The engine's image list. Podman 4 inspects every image while listing and fails the whole list
 * with "image not known" when one is removed meanwhile (another build's clean-up); the list is
 * asked again a few times, as a later one is consistent.
 */
export async function listImagesConsistently(docker: Docker, options: Docker.ListImagesOptions = {}): Promise<Docker.ImageInfo[]> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await docker.listImages(options);
    } catch (error) {
      if (attempt >= LIST_ATTEMPTS || !/image not known/.test(String(error))) throw error;
      await new Promise((resolve) => setTimeout(resolve, 100 * attempt));
    }
  }
}

/**
 * Lists top-level images. Only the first label filter goes to the engine: Podman 4 answers an
 * empty list to several `label` filters on images. All of them are then checked here.
 */
export async function listImagesWithDockerode(docker: Docker, labels: string[]): Promise<ImageDetails[]> {
  const first = labels[0];
  const list = await listImagesConsistently(docker, first !== undefined ? { filters: JSON.stringify({ label: [first] }) } : {});
  return list
    .filter((image) => matchesLabelFilters(image.Labels ?? {}, labels))
    .map((image) => ({
      id: image.Id,
      tags: realTags(image.RepoTags).map(normaliseImageName),
      labels: image.Labels ?? {},
      created: new Date(image.Created * 1000).toISOString(),
      size: image.Size,
    }));
}

/**
 * A forced removal that never removes containers (Podman's own `force` does). The tags go: the
 * one `ref` names, or every tag when `ref` is an id or digest. The image itself goes when no tag
 * is left and no container uses it; otherwise it stays, untagged, as Docker's `rmi -f` leaves it.
 */
export async function forceRemoveWithDockerode(docker: Docker, ref: string, podman: boolean): Promise<void> {
  const image = await docker.getImage(ref).inspect();
  const tags = realTags(image.RepoTags);
  const named = tags.filter((tag) => isTagOf(tag, ref));
  const untag = named.length > 0 ? named : tags;
  for (const tag of untag) await (podman ? untagWithLibpod(docker, image.Id, tag) : untagWithDocker(docker, tag));
  if (untag.length < tags.length) return;
  try {
    await docker.getImage(image.Id).remove();
  } catch (err) {
    const translated = translateEngineError(err, { kind: 'image', ref });
    // Docker already deleted it with its last tag; or a container still uses it, untagged.
    if (translated instanceof NotFoundError) return;
    if (translated instanceof ConflictError && untag.length > 0) return;
    throw translated;
  }
}

/** Docker untags with a forced removal by tag; it keeps an image that a container uses. */
async function untagWithDocker(docker: Docker, tag: string): Promise<void> {
  await docker.getImage(tag).remove({ force: true });
}

/** Podman's compatible API has no untag and its forced removal takes containers along: use libpod's. */
function untagWithLibpod(docker: Docker, id: string, name: string): Promise<void> {
  const { repo, tag } = splitTag(name);
  return new Promise((resolve, reject) => {
    docker.modem.dial(
      {
        path: `/v4.0.0/libpod/images/${encodeURIComponent(id.replace(/^sha256:/, ''))}/untag?`,
        method: 'POST',
        options: { repo, tag },
        statusCodes: { 200: true, 201: true, 400: 'bad parameter', 404: 'no such image', 500: 'server error' },
      },
      (err) => (err ? reject(err) : resolve()),
    );
  });
}

/** Docker lists a dangling image's tags as `<none>:<none>`; Podman as null. */
export function realTags(tags: string[] | undefined | null): string[] {
  return (tags ?? []).filter((tag) => tag !== '<none>:<none>');
}
