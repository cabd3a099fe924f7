import { Controller, Delete, Get, Path, Query, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { ImageList, ImageView } from '../models/image.model';
import type { ImageService } from '../services/image.service';

@Route('api/v1/images')
@Tags('Images')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Container engine unavailable')
export class ImageController extends Controller {
  constructor(private readonly images: ImageService) {
    super();
  }

  /**
   * Lists the images Berth built (all images with `[containers] manage_all`), dangling ones
   * included. `label` filters like Docker's (`key` or `key=value`) and may be repeated.
   */
  @Get()
  public async list(@Query() label?: string[]): Promise<ImageList> {
    return this.images.list(label ?? []);
  }

  /**
   * Inspects an image by tag, digest reference, id or id prefix.
   * @param ref A tag (`myapp:latest`; `myapp` means `myapp:latest`), a digest reference, an image
   * id or an id prefix. Send a `/` inside it as `%2F`: `/api/v1/images/registry.lan%2Fteam%2Fapp:1`.
   */
  @Get('{ref}')
  @Response<ErrorBody>(400, 'Not an image reference')
  @Response<ErrorBody>(404, 'No such image')
  public async inspect(@Path() ref: string): Promise<ImageView> {
    return this.images.inspect(ref);
  }

  /**
   * Removes a tag (the image goes with its last tag), or an image by id. An image a container
   * uses answers 409, as does an id naming an image with several tags; `force=true` then removes
   * the tags and keeps the image, untagged, for its containers. Containers are never removed.
   * The image of an app's kept release answers 409 even with `force=true`.
   * @param ref As for inspect; a `/` inside it is sent as `%2F`.
   */
  @Delete('{ref}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(400, 'Not an image reference')
  @Response<ErrorBody>(404, 'No such image')
  @Response<ErrorBody>(409, "Used by a container, or an id with several tags, and force=false; or the image of an app's kept release")
  public async remove(@Path() ref: string, @Query() force?: boolean): Promise<void> {
    await this.images.remove(ref, force ?? false);
    this.setStatus(204);
  }
}
