import express from 'express';
import request from 'supertest';
import { httpMetrics } from './http-metrics.middleware';

type Seen = Array<{ method: string; route: string; status: number }>;

function appRecording(seen: Seen) {
  const app = express();
  app.use(httpMetrics((method, route, status) => seen.push({ method, route, status })));
  app.get('/api/v1/builds/:id', (req, res) => {
    res.status(req.params.id === 'gone' ? 404 : 200).json({});
  });
  app.get('/boom/:id', () => {
    throw new Error('boom');
  });
  const mounted = express.Router();
  mounted.get('/api/queues', (_req, res) => res.json({}));
  app.use('/admin/queues', (req, res, next) => (req.header('x-deny') ? res.status(401).end() : next()), mounted);
  app.use((_req, res) => res.status(404).end());
  return app;
}

describe('httpMetrics', () => {
  it('labels requests with the route template, never the raw path', async () => {
    const seen: Seen = [];
    const app = appRecording(seen);
    await request(app).get('/api/v1/builds/b-123');
    await request(app).get('/api/v1/builds/gone');
    await request(app).get('/boom/7');
    await request(app).get('/admin/queues/api/queues');
    await request(app).get('/admin/queues/static/x.js').set('x-deny', '1');
    await request(app).get('/random/b-123/path');
    await request(app).post('/api/v1/builds/b-123');
    expect(seen).toEqual([
      { method: 'GET', route: '/api/v1/builds/:id', status: 200 },
      { method: 'GET', route: '/api/v1/builds/:id', status: 404 },
      { method: 'GET', route: '/boom/:id', status: 500 },
      { method: 'GET', route: '/admin/queues/api/queues', status: 200 },
      { method: 'GET', route: '/admin/queues/*', status: 401 },
      { method: 'GET', route: 'unmatched', status: 404 },
      { method: 'POST', route: 'unmatched', status: 404 },
    ]);
  });
});
