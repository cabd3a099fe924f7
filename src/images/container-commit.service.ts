import type { Logger } from 'winston';
import type { ContainerDetails, ImageImportEngine } from '../engine/engine.port';
import { NotFoundError, ValidationError } from '../errors';
import type { CommitContainerRequest, CreatedImage } from '../models/image-import.model';
import type { ContainerRegistry } from '../services/container-registry.port';
import { INSTANCE_LABEL, MANAGED_LABEL, isContainerRef } from '../services/container-spec';
import { checkChanges } from './image-changes';
import { checkMessage } from './image-import.service';
import { assertTagUsable, checkTag, createdImage, originLabels, type ImageOwnership } from './image-origin';

/** A container of Berth's, committed into an image that can be tagged, run and pushed. */
export class ContainerCommitService {
  constructor(
    private readonly engine: ImageImportEngine,
    private readonly registry: ContainerRegistry,
    private readonly options: ImageOwnership,
    private readonly logger: Logger,
  ) {}

  async commit(ref: string, request: CommitContainerRequest): Promise<CreatedImage> {
    const tag = checkTag(request.tag);
    if (request.pause !== undefined && typeof request.pause !== 'boolean') throw new ValidationError('must be true or false', 'pause');
    const checked = checkChanges(request.changes ?? {}, 'changes.');
    const changes = { ...checked, labels: { ...checked.labels, ...originLabels('commit', this.options.instance) } };
    const message = checkMessage(request.message);
    const container = await this.find(ref);
    await assertTagUsable(this.engine, tag, this.options);
    const { imageId } = await this.engine.commitContainer(container.id, {
      tag,
      changes,
      pause: request.pause ?? true,
      ...(message !== undefined ? { message } : {}),
    });
    this.logger.info('container committed', { containerId: container.id, imageId, tag });
    return createdImage(await this.engine.inspectImage(imageId));
  }

  /** As the container routes do: only containers this Berth created (its record), else 404. */
  private async find(ref: string): Promise<ContainerDetails> {
    // Checked here so that no odd text (`../json`) ever reaches the engine's URL paths.
    if (!isContainerRef(ref)) throw new NotFoundError('container', ref);
    const c = await this.engine.inspectContainer(ref);
    if (this.options.manageAll) return c;
    const labelled = c.labels[MANAGED_LABEL] === 'true' && c.labels[INSTANCE_LABEL] === this.options.instance;
    if (!labelled || !(await this.registry.recorded([c.id])).has(c.id)) throw new NotFoundError('container', ref);
    return c;
  }
}
