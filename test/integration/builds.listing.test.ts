import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import { expectError } from './helpers';
import { closeBuildApi, dockerfileBuild, submitBuild, waitForBuild } from './build-helpers';

const GIT = { allowed_hosts: ['127.0.0.1'] };

describe('GET /builds and DELETE /builds/{id}', () => {
  let api: TestApi;
  let git: GitServer;
  const ids: string[] = [];
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const listed = async (query: string) => {
    const res = await get(`/api/v1/builds${query}`);
    expect(res.status).toBe(200);
    return { ids: (res.body.builds as Array<{ id: string }>).map((b) => b.id), total: res.body.total, limit: res.body.limit, offset: res.body.offset };
  };

  // One build succeeded (oldest), then five queued with no worker running, two of them cancelled.
  beforeAll(async () => {
    api = await startTestApi({ git: GIT });
    git = await startGitServer();
    const { url } = git.push(`${api.runId}-list`, { Dockerfile: 'FROM berth-test/busybox:latest\n' });
    const worker = await startTestWorker(api.config);
    try {
      const done = await submitBuild(api, dockerfileBuild(url, `${api.runId}-list:0`, { id: `${api.runId}-done` }));
      expect((await waitForBuild(api, done.id, ['succeeded', 'failed', 'cancelled'])).status).toBe('succeeded');
      ids.push(done.id);
    } finally {
      await worker.close();
    }
    for (let i = 1; i <= 5; i++) {
      await new Promise((resolve) => setTimeout(resolve, 5));
      ids.push((await submitBuild(api, dockerfileBuild(url, `${api.runId}-list:${i}`, { id: `${api.runId}-b${i}` }))).id);
    }
    for (const i of [2, 4]) expect((await request(api.url).post(`/api/v1/builds/${ids[i]}/cancel`).set(api.auth())).status).toBe(202);
  }, 120_000);
  afterAll(async () => {
    await closeBuildApi(api);
    await git.close();
  });

  it('lists newest first with total, limit and offset; pages do not overlap', async () => {
    const newestFirst = [...ids].reverse();
    expect(await listed('')).toEqual({ ids: newestFirst, total: 6, limit: 50, offset: 0 });
    const pages = [await listed('?limit=2'), await listed('?limit=2&offset=2'), await listed('?limit=2&offset=4'), await listed('?limit=2&offset=6')];
    expect(pages.map((p) => p.ids)).toEqual([newestFirst.slice(0, 2), newestFirst.slice(2, 4), newestFirst.slice(4, 6), []]);
    expect(pages.map((p) => [p.total, p.limit, p.offset])).toEqual([
      [6, 2, 0],
      [6, 2, 2],
      [6, 2, 4],
      [6, 2, 6],
    ]);
  });

  it('filters by status, with pagination inside the filter', async () => {
    const [done, b1, b2, b3, b4, b5] = ids;
    expect(await listed('?status=queued')).toMatchObject({ ids: [b5, b3, b1], total: 3 });
    expect(await listed('?status=cancelled')).toMatchObject({ ids: [b4, b2], total: 2 });
    expect(await listed('?status=succeeded')).toMatchObject({ ids: [done], total: 1 });
    expect(await listed('?status=failed')).toMatchObject({ ids: [], total: 0 });
    expect(await listed('?status=queued&limit=1&offset=1')).toEqual({ ids: [b3], total: 3, limit: 1, offset: 1 });
    const res = await get('/api/v1/builds?status=cancelled');
    for (const build of res.body.builds) expect(build).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
  });

  it.each<[string, string]>([
    ['?status=bogus', 'status'],
    ['?limit=0', 'limit'],
    ['?limit=201', 'limit'],
    ['?limit=abc', 'limit'],
    ['?offset=-1', 'offset'],
    ['?offset=1.5', 'offset'],
  ])('400 for %s, naming the parameter', async (query, field) => {
    expectError(await get(`/api/v1/builds${query}`), 400, 'invalid_input', field);
  });

  it('DELETE: 204 for an ended build, 409 while queued, 404 after', async () => {
    const [done, b1, b2] = ids as [string, string, string];
    expectError(await request(api.url).delete(`/api/v1/builds/${b1}`).set(api.auth()), 409, 'state_conflict');
    for (const id of [done, b2]) {
      const res = await request(api.url).delete(`/api/v1/builds/${id}`).set(api.auth());
      expect(res.status).toBe(204);
      expect(res.text).toBe('');
      expectError(await get(`/api/v1/builds/${id}`), 404, 'not_found');
      expectError(await get(`/api/v1/builds/${id}/logs`), 404, 'not_found');
      expectError(await request(api.url).delete(`/api/v1/builds/${id}`).set(api.auth()), 404, 'not_found');
    }
    expect(await listed('')).toMatchObject({ total: 4 });
    expect((await listed('?status=cancelled')).ids).toEqual([ids[4]]);
    expect((await get(`/api/v1/builds/${b1}`)).body.status).toBe('queued');
  });
});
