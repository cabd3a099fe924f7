import { Body, Controller, Path, Post, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { ContainerCommitService } from '../images/container-commit.service';
import type { ErrorBody } from '../models/error.model';
import type { CommitContainerRequest, CreatedImage } from '../models/image-import.model';

@Route('api/v1/containers')
@Tags('Containers')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Container engine unavailable')
export class ContainerCommitController extends Controller {
  constructor(private readonly commits: ContainerCommitService) {
    super();
  }

  /**
   * Makes an image from a container's file system, with `changes` to its config (command,
   * environment, working directory, ports, labels), a `message`, and the container paused while
   * it is copied (`pause`, default true). The image is Berth's: it can be tagged, run and pushed.
   * @param id Container id, unique id prefix or name.
   */
  @Post('{id}/commit')
  @SuccessResponse(201, 'The image')
  @Response<ErrorBody>(400, 'A bad field: `field` names it (`tag`, `changes.cmd`, ...)')
  @Response<ErrorBody>(404, 'No such container, or one Berth did not create')
  @Response<ErrorBody>(409, 'The tag names an image Berth did not make')
  public async commit(@Path() id: string, @Body() body: CommitContainerRequest): Promise<CreatedImage> {
    const image = await this.commits.commit(id, body);
    this.setStatus(201);
    return image;
  }
}
