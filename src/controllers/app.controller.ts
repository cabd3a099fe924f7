import { Body, Controller, Delete, Get, Patch, Path, Post, Query, Response, Route, Security, SuccessResponse, Tags } from 'tsoa';
import type { AppService } from '../apps/app.service';
import type { AppList, AppView, CreateAppRequest, CreatedApp, RotatedWebhookSecret, UpdateAppRequest } from '../models/app.model';
import type { ErrorBody } from '../models/error.model';

@Route('api/v1/apps')
@Tags('Apps')
@Security('bearer')
@Response<ErrorBody>(401, 'Missing or wrong token')
@Response<ErrorBody>(503, 'Redis or the proxy unavailable')
export class AppController extends Controller {
  constructor(private readonly apps: AppService) {
    super();
  }

  /**
   * Creates an app from a git repository or an image. Nothing runs until its first deployment.
   * The answer holds the app's webhook secret: it is shown this once.
   */
  @Post()
  @SuccessResponse(201, 'Created')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(409, 'The name, or a domain, is taken')
  @Response<ErrorBody>(413, 'Body too large')
  @Response<ErrorBody>(415, 'Body is not JSON')
  public async create(@Body() body: CreateAppRequest): Promise<CreatedApp> {
    const created = await this.apps.create(body);
    this.setStatus(201);
    return created;
  }

  /** Every app, by name, with its status. */
  @Get()
  public async list(): Promise<AppList> {
    return this.apps.list();
  }

  /** The app: settings (secret values never), status, live release, URLs and replicas. */
  @Get('{name}')
  @Response<ErrorBody>(404, 'No such app')
  public async get(@Path() name: string): Promise<AppView> {
    return this.apps.get(name);
  }

  /**
   * Changes the app. A change of what replicas run (env values, replicas, memory, cpus, port,
   * command, volumes) makes a new release of the live image; source changes apply from the next deployment.
   */
  @Patch('{name}')
  @Response<ErrorBody>(400, 'Invalid input; `field` names it')
  @Response<ErrorBody>(404, 'No such app')
  @Response<ErrorBody>(409, 'A domain is taken by another app')
  public async update(@Path() name: string, @Body() body: UpdateAppRequest): Promise<AppView> {
    return this.apps.patch(name, body);
  }

  /** Removes the app, its routes and containers. Its volumes are kept unless `volumes=true`. */
  @Delete('{name}')
  @SuccessResponse(204, 'Removed')
  @Response<ErrorBody>(404, 'No such app')
  public async remove(@Path() name: string, @Query() volumes?: boolean): Promise<void> {
    await this.apps.remove(name, volumes ?? false);
    this.setStatus(204);
  }

  /** A new webhook secret, shown this once; the previous one is accepted for `[deploy] webhook_secret_grace_hours`. */
  @Post('{name}/webhook-secret')
  @Response<ErrorBody>(404, 'No such app')
  public async rotateWebhookSecret(@Path() name: string): Promise<RotatedWebhookSecret> {
    return this.apps.rotateWebhookSecret(name);
  }
}
