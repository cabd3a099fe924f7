import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import express from 'express';
import request from 'supertest';
import { dashboard, dashboardDir } from './dashboard';

describe('dashboard', () => {
  let dir: string;
  const app = (root: string) => {
    const a = express();
    a.get('/api/v1/ping', (_req, res) => void res.json({ ok: true }));
    a.use(dashboard(root));
    a.use((_req, res) => void res.status(404).json({ error: { code: 'route_not_found', message: 'no route' } }));
    return a;
  };

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'berth-ui-'));
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>Berth</title>');
    writeFileSync(join(dir, 'assets', 'index-Ab12.js'), 'console.log(1)');
    writeFileSync(join(dir, 'robots.txt'), 'User-agent: *');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('serves index.html at / without caching, with a same-origin policy', async () => {
    const res = await request(app(dir)).get('/').set('Accept', 'text/html');
    expect(res.status).toBe(200);
    expect(res.text).toContain('<title>Berth</title>');
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.headers['content-security-policy']).toContain("default-src 'self'");
  });

  it('serves hashed assets as immutable and other files as revalidated', async () => {
    const asset = await request(app(dir)).get('/assets/index-Ab12.js');
    expect(asset.status).toBe(200);
    expect(asset.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    const plain = await request(app(dir)).get('/robots.txt');
    expect(plain.headers['cache-control']).toBe('no-cache');
  });

  it("answers a browser's deep link with index.html, and leaves API, docs and missing assets alone", async () => {
    const deep = await request(app(dir)).get('/apps/web').set('Accept', 'text/html,*/*');
    expect(deep.status).toBe(200);
    expect(deep.text).toContain('<title>Berth</title>');
    expect((await request(app(dir)).get('/api/v1/ping')).body).toEqual({ ok: true });
    for (const path of ['/api/v1/nope', '/api', '/docs/x', '/openapi.json', '/metrics', '/admin/queues', '/assets/gone.js']) {
      const res = await request(app(dir)).get(path).set('Accept', 'text/html');
      expect({ path, status: res.status, code: res.body?.error?.code }).toEqual({ path, status: 404, code: 'route_not_found' });
    }
    const script = await request(app(dir)).get('/apps/web').set('Accept', 'application/json');
    expect(script.status).toBe(404);
    expect((await request(app(dir)).get('/')).status).toBe(200);
    const post = await request(app(dir)).post('/apps/web').set('Accept', 'text/html');
    expect(post.status).toBe(404);
    expect(post.body.error.code).toBe('route_not_found');
  });

  it('says how to build the dashboard when its folder is missing', async () => {
    const res = await request(app(join(dir, 'absent')))
      .get('/')
      .set('Accept', 'text/html');
    expect(res.status).toBe(404);
    expect(res.text).toContain('npm run build');
  });

  it('finds dist/ui under the package root from the source and the built tree', () => {
    const root = join(__dirname, '..', '..');
    expect(dashboardDir(__dirname)).toBe(join(root, 'dist', 'ui'));
    expect(dashboardDir(join(root, 'dist', 'src', 'http'))).toBe(join(root, 'dist', 'ui'));
  });
});
