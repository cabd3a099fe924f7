import type { Request as ExpressRequest } from 'express';
import { Controller, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ImageImportService } from '../images/image-import.service';
import type { ErrorBody } from '../models/error.model';
import type { CreatedImage } from '../models/image-import.model';

@Route('api/v1/images')
@Tags('Images')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Container engine unavailable')
export class ImageImportController extends Controller {
  constructor(private readonly imports: ImageImportService) {
    super();
  }

  /**
   * Makes an image from a root filesystem sent as the request body: a tar, or a gzip-compressed
   * tar (recognised by its first bytes, whatever the Content-Type says). The body is streamed to
   * the engine, never held in memory, and may be at most `[images] max_import_bytes` (also once
   * unpacked). Example: `curl --data-binary @rootfs.tar.gz -H 'Content-Type: application/octet-stream'
   * --url-query 'tag=mybase:1' --url-query 'cmd=["sh"]' .../api/v1/images/import`.
   * @param tag The new image's tag (`name:tag`; `name` means `name:latest`).
   * @param cmd The image's command as a JSON array of strings, e.g. `["sh","-c","echo hi"]`.
   * @param env An environment variable as `NAME=value`; repeat the parameter for more.
   * @param workdir The absolute working directory.
   * @param expose A port, `8080`, `8080/tcp` or `53/udp`; repeat the parameter for more.
   * @param message A comment kept with the image.
   */
  @Post('import')
  @SuccessResponse(201, 'The image')
  @Response<ErrorBody>(400, 'A bad parameter (`field` names it), or a body that is not a tar or tar.gz (`field`: `rootfs`)')
  @Response<ErrorBody>(409, 'The tag names an image Berth did not make')
  @Response<ErrorBody>(413, 'The body, or what it unpacks to, is larger than `[images] max_import_bytes`: no image is made')
  @Response<ErrorBody>(415, 'A multipart form: send the archive itself as the body')
  public async importRootfs(
    @Request() req: ExpressRequest,
    @Query() tag?: string,
    @Query() cmd?: string,
    @Query() env?: string[],
    @Query() workdir?: string,
    @Query() expose?: string[],
    @Query() message?: string,
  ): Promise<CreatedImage> {
    const length = req.header('content-length');
    const type = req.header('content-type');
    const image = await this.imports.import(
      req,
      { tag, cmd, env, workdir, expose, message },
      { ...(length !== undefined ? { bytes: Number(length) } : {}), ...(type !== undefined ? { type } : {}) },
    );
    this.setStatus(201);
    return image;
  }
}
