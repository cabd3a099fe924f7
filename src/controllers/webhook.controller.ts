import type { Request as ExpressRequest } from 'express';
import { Controller, Path, Post, Request, Response, Route, SuccessResponse, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { WebhookAnswer } from '../models/webhook.model';
import type { WebhookService } from '../webhooks/webhook.service';

@Route('api/v1/webhooks')
@Tags('Webhooks')
export class WebhookController extends Controller {
  constructor(private readonly webhooks: WebhookService) {
    super();
  }

  /**
   * A push webhook of GitHub (`github`), Gitea or Forgejo (`gitea`), or GitLab (`gitlab`). No
   * token: the delivery is checked against the app's webhook secret over its exact body
   * (`X-Hub-Signature-256`, `X-Gitea-Signature`/`X-Forgejo-Signature`, `X-Gitlab-Token`), so send
   * the body as the provider does, `Content-Type: application/json`, at most 4 MiB. A ping answers
   * `pong`; a push to the app's branch queues a deployment of its `after` commit (202); other
   * branches, tags, deleted branches, `[skip ci]`, pushes that change no watched path and commits
   * already live or being deployed answer 200 `ignored` with the `reason`.
   */
  @Post('{provider}/{app}')
  @SuccessResponse(202, 'A deployment was queued')
  @Response<WebhookAnswer>(200, 'A ping answered, or the delivery ignored (`reason` says why)')
  @Response<ErrorBody>(400, 'The event header or the push payload is malformed; `field` names it')
  @Response<ErrorBody>(401, 'Missing or wrong signature (`webhook_signature_missing`, `webhook_signature_invalid`): nothing was queued')
  @Response<ErrorBody>(404, 'No such app, or a provider other than github, gitea, gitlab')
  @Response<ErrorBody>(409, 'The app deploys an image, not a git repository')
  @Response<ErrorBody>(413, 'The delivery is larger than 4 MiB')
  public async receive(@Path() provider: string, @Path() app: string, @Request() req: ExpressRequest): Promise<WebhookAnswer> {
    // The raw-body parser mounted for this path leaves the exact bytes the sender signed.
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const { status, answer } = await this.webhooks.receive(provider, app, req.headers, body);
    this.setStatus(status);
    return answer;
  }
}
