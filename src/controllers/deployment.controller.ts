import type { Request as ExpressRequest } from 'express';
import { Body, Controller, Get, Header, Path, Post, Query, Request, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { DeploymentService } from '../deploys/deployment.service';
import { clientGone, resumeSeq, sendEvents } from '../http/sse';
import type { DeploymentList, DeploymentLogs, DeploymentRequest, DeploymentResult, DeploymentView, ReleaseList, RollbackRequest } from '../models/deployment.model';
import type { ErrorBody } from '../models/error.model';

@Route('api/v1')
@Tags('Deployments')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis unavailable')
export class DeploymentController extends Controller {
  constructor(private readonly deployments: DeploymentService) {
    super();
  }

  /**
   * Deploys the app: git apps build `git_commit` (default: the branch head), image apps run `image`
   * (default: the app's image). Answers 202 with the queued deployment; a queued deployment of the
   * same app that no worker has taken is superseded (latest wins). A commit or image that is live
   * or being deployed already answers 200 with that deployment and `ignored`, unless `force`.
   */
  @Post('apps/{name}/deployments')
  @SuccessResponse(202, 'Queued')
  @Response<DeploymentResult>(200, 'Live or in progress already; nothing queued')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(404, 'No such app')
  public async deploy(@Path() name: string, @Body() body?: DeploymentRequest): Promise<DeploymentResult> {
    const { created, deployment } = await this.deployments.deploy(name, { ...(body ?? {}), trigger: 'api' });
    this.setStatus(created ? 202 : 200);
    return deployment;
  }

  /** The app's deployments, newest first. */
  @Get('apps/{name}/deployments')
  @Response<ErrorBody>(400, 'Bad limit or offset')
  @Response<ErrorBody>(404, 'No such app')
  public async list(@Path() name: string, @Query() limit?: number, @Query() offset?: number): Promise<DeploymentList> {
    return this.deployments.list(name, limit ?? 50, offset ?? 0);
  }

  @Get('deployments/{id}')
  @Response<ErrorBody>(404, 'No such deployment')
  public async get(@Path() id: string): Promise<DeploymentView> {
    return this.deployments.get(id);
  }

  /**
   * The deployment's log, its build's output included (prefixed `[build] `). With `follow=true`, a
   * Server-Sent Events stream: `log` events (id = line number; reconnect with `Last-Event-ID` to
   * resume) and a final `end` event with the status.
   */
  @Get('deployments/{id}/logs')
  @Response<ErrorBody>(404, 'No such deployment')
  public async logs(
    @Path() id: string,
    @Request() req: ExpressRequest,
    @Query() follow?: boolean,
    @Header('Last-Event-ID') lastEventId?: string,
  ): Promise<DeploymentLogs> {
    if (!follow) return this.deployments.logs(id);
    const res = req.res!;
    await sendEvents(res, await this.deployments.follow(id, resumeSeq(lastEventId), clientGone(res)));
    return { deployment_id: id, status: 'queued', lines: [], truncated: false };
  }

  /** Cancels a deployment. A queued one ends `cancelled` at once; a running one stops at its next step, leaving the live release serving. */
  @Post('deployments/{id}/cancel')
  @SuccessResponse(202, 'Cancelling')
  @Response<ErrorBody>(404, 'No such deployment')
  @Response<ErrorBody>(409, 'Already ended')
  public async cancel(@Path() id: string): Promise<DeploymentView> {
    const deployment = await this.deployments.cancel(id);
    this.setStatus(202);
    return deployment;
  }

  /** Deploys a kept release again (its image and config snapshot, no build) as a new release. Default: the release before the live one. */
  @Post('apps/{name}/rollback')
  @SuccessResponse(202, 'Queued')
  @Response<ErrorBody>(400, 'Invalid input')
  @Response<ErrorBody>(404, 'No such app or release')
  @Response<ErrorBody>(409, 'Nothing live, no release to roll back to, or that release is live')
  public async rollback(@Path() name: string, @Body() body?: RollbackRequest): Promise<DeploymentView> {
    const deployment = await this.deployments.rollback(name, body?.release);
    this.setStatus(202);
    return deployment;
  }

  /** Restarts the live release: its replicas are replaced one at a time, each through the health gate. */
  @Post('apps/{name}/restart')
  @SuccessResponse(202, 'Queued')
  @Response<ErrorBody>(404, 'No such app')
  @Response<ErrorBody>(409, 'Nothing live')
  public async restart(@Path() name: string): Promise<DeploymentView> {
    const deployment = await this.deployments.restart(name);
    this.setStatus(202);
    return deployment;
  }

  /** The app's kept releases, newest first; `live` marks the one serving. */
  @Get('apps/{name}/releases')
  @Response<ErrorBody>(404, 'No such app')
  public async releases(@Path() name: string): Promise<ReleaseList> {
    return this.deployments.listReleases(name);
  }
}
