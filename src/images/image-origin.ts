import { randomUUID } from 'node:crypto';
import { isValidImageTag } from '../builds/image-reference';
import type { ImageDetails, ImageImportEngine } from '../engine/engine.port';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { CreatedImage } from '../models/image-import.model';
import { BUILD_ID_LABEL } from '../services/image.service';
import { INSTANCE_LABEL } from '../services/container-spec';

/** Says how an image Berth made without a build came to be: `import` or `commit`. */
export const ORIGIN_LABEL = 'berth.origin';

export interface ImageOwnership {
  /** This Berth's name in labels (`[server] instance`). */
  instance: string;
  /** `[containers] manage_all`: every image of the engine is Berth's to act on. */
  manageAll: boolean;
}

/**
 * The labels that make an imported or committed image Berth's, as the images it builds are: its
 * instance and an id in the build id label (`import-...`, `commit-...`), so that the image routes
 * list, inspect, remove and push it.
 */
export function originLabels(origin: 'import' | 'commit', instance: string): Record<string, string> {
  return { [INSTANCE_LABEL]: instance, [BUILD_ID_LABEL]: `${origin}-${randomUUID()}`, [ORIGIN_LABEL]: origin };
}

/** The tag a client asked for, checked as an image reference (`name:tag`). */
export function checkTag(tag: string | undefined): string {
  if (tag === undefined || tag === '') throw new ValidationError('a tag (name:tag) is required', 'tag');
  if (!isValidImageTag(tag)) throw new ValidationError(`${JSON.stringify(tag.slice(0, 300))} is not an image tag (lower-case name, optional :tag)`, 'tag');
  return tag;
}

/**
 * Refuses a tag that names an image Berth did not make: moving it would take it from someone
 * else's image. Berth's own images may be re-tagged, as a new build does.
 */
export async function assertTagUsable(engine: Pick<ImageImportEngine, 'inspectImage'>, tag: string, owner: ImageOwnership): Promise<void> {
  if (owner.manageAll) return;
  const current = await engine.inspectImage(tag).catch((err: unknown) => {
    if (err instanceof NotFoundError) return undefined;
    throw err;
  });
  if (current && !isBerths(current, owner.instance)) {
    throw new ConflictError('state_conflict', `the tag ${JSON.stringify(tag)} names an image Berth did not make; choose another tag`, 'tag');
  }
}

function isBerths(image: ImageDetails, instance: string): boolean {
  return image.labels[INSTANCE_LABEL] === instance && image.labels[BUILD_ID_LABEL] !== undefined;
}

export function createdImage(image: ImageDetails): CreatedImage {
  return { id: image.id, tags: image.tags, size: image.size, created: image.created, labels: image.labels };
}
