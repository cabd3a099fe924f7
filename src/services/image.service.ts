import type { Logger } from 'winston';
import { isValidImageReference } from '../builds/image-reference';
import type { ImageDetails, ImageEngine } from '../engine/engine.port';
import type { ReleaseImages } from '../deploys/release-images';
import type { PulledImages } from '../images/image-operation.record';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ImageList, ImageSummaryView, ImageView } from '../models/image.model';
import { INSTANCE_LABEL } from './container-spec';

/** Labels a build worker puts on every image it builds (workers/build.processor.ts). */
export const BUILD_ID_LABEL = 'berth.build-id';
export const REPO_LABEL = 'berth.repo';
export const COMMIT_LABEL = 'berth.commit';

export interface ImageServiceOptions {
  /** This Berth's name in labels (`[server] instance`). */
  instance: string;
  /** Act on every image of the engine, not only those Berth built (`[containers] manage_all`). */
  manageAll: boolean;
}

/**
 * The engine's images. By default only those this Berth built: labelled with its instance and a
 * build id. Others answer not_found, as if absent.
 */
export class ImageService {
  constructor(
    private readonly engine: ImageEngine,
    private readonly options: ImageServiceOptions,
    private readonly logger: Logger,
    private readonly releases?: ReleaseImages,
    private readonly pulled?: PulledImages,
  ) {}

  /** `labels`: Docker's filter syntax (`key` or `key=value`); every one must hold. */
  async list(labels: string[]): Promise<ImageList> {
    const filters = this.options.manageAll ? labels : [`${INSTANCE_LABEL}=${this.options.instance}`, BUILD_ID_LABEL, ...labels];
    const images = await this.engine.listImages({ labels: filters });
    const pulled = this.options.manageAll ? [] : await this.pulledImages(labels, images);
    return { images: [...images, ...pulled].map((image) => this.summary(image)) };
  }

  async inspect(ref: string): Promise<ImageView> {
    const image = await this.resolve(ref);
    const { layers, history, config, repoDigests } = await this.engine.composeImage(image.id);
    const pulled = await this.isPulled(image);
    const built = this.isBuilt(image);
    const repo = built ? image.labels[REPO_LABEL] : undefined;
    const commit = built ? image.labels[COMMIT_LABEL] : undefined;
    return {
      ...this.summary(image),
      ...(repo !== undefined ? { repo } : {}),
      ...(commit !== undefined ? { commit } : {}),
      managed: built || pulled,
      ...(pulled ? { pulled } : {}),
      repo_digests: repoDigests,
      layers,
      history,
      config,
    };
  }

  /**
   * Removes the tag `ref` names, or the image; `force` removes the tags of an image in use. The
   * image of a kept release is refused, even with `force`: a rollback needs it.
   */
  async remove(ref: string, force: boolean): Promise<void> {
    const image = await this.resolve(ref);
    const holder = (await this.releases?.protectedImages())?.get(image.id);
    if (holder) {
      throw new ConflictError(
        'state_conflict',
        `image ${JSON.stringify(ref)} is the image of release ${holder.release} of app ${holder.app}, which is kept for rollback`,
      );
    }
    await this.engine.removeImage(ref, { force });
    this.logger.info('image removed', { imageId: image.id, ref, force });
  }

  /** Resolves a tag, digest reference, id or id prefix to an image this Berth may act on (built or pulled). */
  async resolve(ref: string): Promise<ImageDetails> {
    // Checked here so that no odd text (`../json`) ever reaches the engine's URL paths.
    if (!isValidImageReference(ref)) {
      throw new ValidationError(`${JSON.stringify(ref)} is not an image reference (name:tag, name@sha256:digest) nor an image id`, 'ref');
    }
    const image = await this.engine.inspectImage(ref).catch((err: unknown) => {
      // The engine's answer names the `image` field, which is a body field elsewhere; here it is the path.
      throw err instanceof NotFoundError ? new NotFoundError('image', ref) : err;
    });
    if (!this.isBuilt(image) && !this.options.manageAll && !(await this.isPulled(image))) throw new NotFoundError('image', ref);
    return image;
  }

  /** Images this Berth pulled that carry the label filters, and are not in `listed` already. */
  private async pulledImages(labels: string[], listed: ImageDetails[]): Promise<ImageDetails[]> {
    const ids = new Set((await this.pulled?.ids()) ?? []);
    if (ids.size === 0) return [];
    const seen = new Set(listed.map((i) => i.id));
    return (await this.engine.listImages({ labels })).filter((i) => ids.has(i.id) && !seen.has(i.id));
  }

  private async isPulled(image: ImageDetails): Promise<boolean> {
    return (await this.pulled?.has(image.id)) ?? false;
  }

  private isBuilt(image: ImageDetails): boolean {
    return image.labels[INSTANCE_LABEL] === this.options.instance && image.labels[BUILD_ID_LABEL] !== undefined;
  }

  private summary(image: ImageDetails): ImageSummaryView {
    const buildId = this.isBuilt(image) ? image.labels[BUILD_ID_LABEL] : undefined;
    return {
      id: image.id,
      tags: image.tags,
      created: image.created,
      size: image.size,
      labels: image.labels,
      ...(buildId !== undefined ? { build_id: buildId } : {}),
    };
  }
}
