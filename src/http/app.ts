import express, { type Express } from 'express';
import swaggerUi from 'swagger-ui-express';
import type { Logger } from 'winston';
import openapi from '../../docs/openapi.json';
import { RegisterRoutes } from '../generated/routes';
import type { TokenService } from '../services/token.service';
import { WEBHOOK_MAX_BODY_BYTES } from '../webhooks/webhook-event';
import { dashboard, dashboardDir } from './dashboard';
import { errorHandler, unmatchedRoute } from './error.middleware';
import { controllerRegistry, type ControllerFactory } from './ioc';

/** The one route whose body is not JSON but a tar stream. */
const IMAGE_IMPORT_PATH = '/api/v1/images/import';
/** The same upload to a node (`src/controllers/node-image.controller.ts`). */
const NODE_IMAGE_IMPORT_PATH = /^\/api\/v1\/nodes\/[^/]+\/images\/import$/;
/** A job's upload: a tar body streamed to disk. */
const JOB_UPLOAD_PATH = '/api/v1/jobs/uploads';
import { requestLogger, requireJson } from './request-context';

export interface AppParts {
  /** One factory per controller class: every request gets its own instance. */
  controllers: ControllerFactory[];
  tokens: TokenService;
  logger: Logger;
  bodyLimitBytes: number;
  /** Routes mounted before any body parser, right after the request log (`/metrics`, `/admin/queues`). */
  mount?: (app: Express) => void;
  /** The built dashboard (default: dist/ui of the package); tests point it elsewhere. */
  dashboardDir?: string;
}

/** The Express application: middleware, generated tsoa routes, docs and the error handler. */
export function createApp(parts: AppParts): Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('query parser', 'extended');
  app.locals.controllers = controllerRegistry(parts.controllers);
  app.locals.tokens = parts.tokens;

  app.use(requestLogger(parts.logger));
  parts.mount?.(app);
  app.get('/openapi.json', (_req, res) => {
    res.json(openapi);
  });
  app.use('/docs', swaggerUi.serve, swaggerUi.setup(openapi));
  // Webhook deliveries are verified over their exact bytes, whatever content type the sender
  // chose: they keep them as a Buffer, and the JSON rules below pass them by.
  app.use('/api/v1/webhooks', express.raw({ limit: WEBHOOK_MAX_BODY_BYTES, type: () => true }));
  // A root filesystem upload streams through to the engine: no parser may read it first.
  const streamed = (req: express.Request) =>
    req.method === 'POST' && (req.path === IMAGE_IMPORT_PATH || NODE_IMAGE_IMPORT_PATH.test(req.path) || req.path === JOB_UPLOAD_PATH);
  app.use((req, res, next) => (Buffer.isBuffer(req.body) || streamed(req) ? next() : requireJson(req, res, next)));
  const json = express.json({ limit: parts.bodyLimitBytes, type: 'application/json' });
  app.use((req, res, next) => (streamed(req) ? next() : json(req, res, next)));
  RegisterRoutes(app);
  app.use(dashboard(parts.dashboardDir ?? dashboardDir()));
  app.use(unmatchedRoute(app));
  app.use(errorHandler(parts.logger));
  return app;
}
