import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';
import type { ErrorBody } from '../models/error.model';
import type { ImageView } from '../models/image.model';
import type { ImageOperationLogs, ImageOperationView, ImagePullRequest, ImagePushRequest, ImageTagRequest } from '../models/image-transfer.model';
import type { ImageTransferService } from '../images/image-transfer.service';

@Route('api/v1/images')
@Tags('Images')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Container engine or Redis unavailable')
export class ImageTransferController extends Controller {
  constructor(private readonly transfers: ImageTransferService) {
    super();
  }

  /**
   * Pulls an image from its registry, with the `[registries]` credentials of its host. Answers 202
   * with the operation; its progress is `GET /api/v1/images/operations/{id}/logs`. A failure ends
   * the operation `failed` with `error.code` `registry_auth_failed`, `registry_not_found`,
   * `registry_unreachable` or `registry_error`, and `error.details.registry` naming the registry.
   */
  @Post('pull')
  @SuccessResponse(202, 'Pulling')
  @Response<ErrorBody>(400, 'Not an image reference or platform; `field` names it')
  public async pull(@Body() body: ImagePullRequest): Promise<ImageOperationView> {
    const operation = await this.transfers.pull(body);
    this.setStatus(202);
    return operation;
  }

  /** A pull or push. */
  @Get('operations/{id}')
  @Response<ErrorBody>(404, 'No such operation')
  public async operation(@Path() id: string): Promise<ImageOperationView> {
    return this.transfers.operation(id);
  }

  /**
   * Cancels a running pull or push: the engine's transfer is stopped and the operation ends
   * `cancelled` (its log says so). Answers the ended operation.
   */
  @Post('operations/{id}/cancel')
  @Response<ErrorBody>(404, 'No such operation')
  @Response<ErrorBody>(409, 'The operation already ended (`state_conflict`)')
  public async cancel(@Path() id: string): Promise<ImageOperationView> {
    return this.transfers.cancel(id);
  }

  /**
   * The progress of a pull or push: per layer its status changes, then its bytes, then the
   * outcome. With `follow=true`, Server-Sent Events as for a build's log: `log` events, then `end`.
   */
  @Get('operations/{id}/logs')
  @Response<ErrorBody>(404, 'No such operation')
  public async logs(
    @Path() id: string,
    @Request() req: ExpressRequest,
    @Query() follow?: boolean,
    @Header('Last-Event-ID') lastEventId?: string,
  ): Promise<ImageOperationLogs> {
    if (!follow) return this.transfers.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.transfers.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { operation_id: id, status: 'running', lines: [], truncated: false };
  }

  /**
   * Pushes an image of this Berth's to its registry: the tag `ref`, or the image tagged `target`
   * first. Answers 202 with the operation, followed as for a pull.
   * @param ref A tag of the image, or (with `target`) any reference inspect takes; a `/` inside it is sent as `%2F`.
   */
  @Post('{ref}/push')
  @SuccessResponse(202, 'Pushing')
  @Response<ErrorBody>(400, 'Not a reference, or no tag to push; `field` names it')
  @Response<ErrorBody>(404, 'No such image')
  public async push(@Path() ref: string, @Body() body?: ImagePushRequest): Promise<ImageOperationView> {
    const operation = await this.transfers.push(ref, body ?? {});
    this.setStatus(202);
    return operation;
  }

  /**
   * Adds a tag to an image of this Berth's (moving it from any other image); answers the image.
   * @param ref As for inspect; a `/` inside it is sent as `%2F`.
   */
  @Post('{ref}/tag')
  @SuccessResponse(201, 'Tagged')
  @Response<ErrorBody>(400, 'Not a tag; `field` names it')
  @Response<ErrorBody>(404, 'No such image')
  public async tag(@Path() ref: string, @Body() body: ImageTagRequest): Promise<ImageView> {
    const image = await this.transfers.tag(ref, body);
    this.setStatus(201);
    return image;
  }
}
