import { createHash } from 'node:crypto';
import type { Logger } from 'winston';
import type { BuildLogWriter } from '../src/builds/build-log.writer';
import type { BuildStore, BuiltImage, PublishedImage } from '../src/builds/build.record';
import type { BuildEngine } from '../src/engine/engine.port';

/** How many earlier attempts' temporary tags a publishing attempt cleans up. */
const MAX_EARLIER_ATTEMPTS = 5;

/**
 * Puts a build's images under their tags once, whatever the number of workers that built it.
 *
 * An attempt builds under temporary tags of its own. It then claims the build under the fence
 * (its attempt must still be the latest), tags, and ends the build `succeeded` under the fence
 * again. An attempt that lost the claim removes what it built: a worker that froze past its lock
 * while another took the build up can neither move the tag nor overwrite the record. A worker
 * that dies between claim and tags leaves the claim in the record, and the next attempt finishes
 * the tagging of those same images instead of building again.
 */
export class ImagePublisher {
  constructor(
    private readonly store: BuildStore,
    private readonly engine: BuildEngine,
    private readonly logger: Logger,
  ) {}

  /** The tag an attempt builds image `index` under: no user tag moves before the claim. */
  temporaryTag(buildId: string, attempt: number, index: number): string {
    const digest = createHash('sha256').update(buildId).digest('hex').slice(0, 20);
    return `berth-attempt/${digest}:a${attempt}-${index}`;
  }

  /** Claims the build for these images; false when another attempt took it (they are removed then). */
  async claim(buildId: string, attempt: number, images: PublishedImage[]): Promise<boolean> {
    const won = await this.store.transition(buildId, 'building', { publishing: images }, attempt);
    if (!won) await this.discard(images.map((i) => i.temporaryTag));
    return won;
  }

  /** Tags claimed images and ends the build `succeeded`; false when a later attempt ended it. */
  async publish(buildId: string, attempt: number, images: PublishedImage[], log: BuildLogWriter): Promise<boolean> {
    // A later attempt may be finishing the same claim: it tags the same ids, so both agree.
    for (const image of images) await this.engine.tagImage(image.id, image.tag);
    for (const image of images) await this.removeTag(image.temporaryTag);
    await this.discard(this.earlierTags(buildId, attempt, images.length));
    const built: BuiltImage[] = images.map((i) => ({ tag: i.tag, id: i.id, ...(i.service ? { service: i.service } : {}) }));
    log.line(`[berth] build succeeded: ${built.map((i) => `${i.tag} (${i.id.slice(0, 19)})`).join(', ')}`);
    await log.flush();
    return this.store.transition(buildId, 'succeeded', { finishedAt: new Date().toISOString(), images: built }, attempt);
  }

  /** Removes images an attempt built but will not publish (each goes with its temporary tag). */
  async discard(temporaryTags: string[]): Promise<void> {
    for (const tag of temporaryTags) await this.removeTag(tag);
  }

  /**
   * Temporary tags earlier attempts may have left: an engine that finishes a build after its
   * client left (Podman ends the running step) tags the image when nobody is there to remove it.
   */
  private earlierTags(buildId: string, attempt: number, count: number): string[] {
    const tags: string[] = [];
    for (let a = Math.max(1, attempt - MAX_EARLIER_ATTEMPTS); a < attempt; a += 1) {
      for (let i = 0; i < count; i += 1) tags.push(this.temporaryTag(buildId, a, i));
    }
    return tags;
  }

  /** Best effort: an image another tag or a container still uses is only untagged, or kept. */
  private async removeTag(tag: string): Promise<void> {
    await this.engine.removeImage(tag, { force: false }).catch((err: unknown) => {
      this.logger.debug('temporary image tag not removed', { tag, error: String(err) });
    });
  }
}
