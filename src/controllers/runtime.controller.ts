import { Controller, Get, Response, Route, Security, Tags } from 'tsoa';
import type { ErrorBody } from '../models/error.model';
import type { HealthReport, RuntimeInfo } from '../models/runtime.model';
import type { HealthService } from '../services/health.service';
import type { RuntimeService } from '../services/runtime.service';

@Route('api/v1')
@Tags('Runtime')
export class RuntimeController extends Controller {
  constructor(
    private readonly runtime: RuntimeService,
    private readonly health: HealthService,
  ) {
    super();
  }

  /** The engine Berth drives: configured runtime and socket, engine version, counts. */
  @Get('runtime/info')
  @Security('bearer')
  @Response<ErrorBody>(401, 'Missing or wrong token')
  @Response<ErrorBody>(503, 'Container engine unavailable')
  public async info(): Promise<RuntimeInfo> {
    return this.runtime.info();
  }

  /** 200 when the engine and Redis answer; 503 naming what is down. No token needed. */
  @Get('healthy')
  @Response<ErrorBody>(503, 'Engine or Redis down')
  public async healthy(): Promise<HealthReport> {
    return this.health.check();
  }
}
