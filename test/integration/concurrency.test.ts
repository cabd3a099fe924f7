import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { closeBuildApi, dockerfileBuild } from './build-helpers';
import { uniqueName } from './helpers';

/** One request fired with the others, and what it alone must answer. */
interface Call {
  what: string;
  send: () => request.Test;
  status: number;
  check: (body: unknown, text: string) => boolean;
}

describe('concurrent requests', () => {
  let api: TestApi;
  let git: GitServer;
  const auth = () => api.auth();
  const create = async (what: string): Promise<string> => {
    const res = await request(api.url)
      .post('/api/v1/containers')
      .set(auth())
      .send({ image: 'berth-test/busybox:latest', name: uniqueName(api, what), command: ['sleep', '600'] });
    expect(res.status).toBe(201);
    return res.body.id as string;
  };
  const many = (n: number, what: string) => Promise.all(Array.from({ length: n }, () => create(what)));

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] } });
    git = await startGitServer();
  });
  afterAll(async () => {
    await closeBuildApi(api);
    await git.close();
  });

  it('answers each of 180 mixed requests fired at once with its own status and body', async () => {
    const [toGet, toDelete, toStart, toStop] = [await many(10, 'get'), await many(20, 'del'), await many(10, 'start'), await many(10, 'stop')];
    const { url } = git.push(`${api.runId}-app`, { Dockerfile: 'FROM berth-test/busybox:latest\n' });
    const existing = `${api.runId}-existing`;
    const first = await request(api.url)
      .post('/api/v1/images/build')
      .set(auth())
      .send(dockerfileBuild(url, `${api.runId}-app:1`, { id: existing }));
    expect(first.status).toBe(202);

    const isObject = (b: unknown): b is Record<string, unknown> => typeof b === 'object' && b !== null;
    const calls: Call[] = [
      ...Array.from({ length: 20 }, (_, i): Call => ({
        what: `create ${i}`,
        send: () =>
          request(api.url)
            .post('/api/v1/containers')
            .set(auth())
            .send({ image: 'berth-test/busybox:latest', name: uniqueName(api, `new${i}`) }),
        status: 201,
        check: (b) => isObject(b) && /^[0-9a-f]{64}$/.test(String(b.id)),
      })),
      ...Array.from({ length: 30 }, (_, i): Call => {
        const id = toGet[i % toGet.length]!;
        return {
          what: `get ${id}`,
          send: () => request(api.url).get(`/api/v1/containers/${id}`).set(auth()),
          status: 200,
          check: (b) => isObject(b) && b.id === id && b.managed === true,
        };
      }),
      ...toDelete.map((id): Call => ({
        what: `delete ${id}`,
        send: () => request(api.url).delete(`/api/v1/containers/${id}`).set(auth()),
        status: 204,
        check: (_b, text) => text === '',
      })),
      ...toStart.map((id): Call => ({
        what: `start ${id}`,
        send: () => request(api.url).post(`/api/v1/containers/${id}/start`).set(auth()),
        status: 200,
        check: (b) => isObject(b) && b.id === id && b.state === 'running',
      })),
      ...toStop.map((id): Call => ({
        what: `stop ${id}`,
        send: () => request(api.url).post(`/api/v1/containers/${id}/stop`).set(auth()),
        status: 200,
        check: (b) => isObject(b) && b.id === id,
      })),
      ...Array.from({ length: 40 }, (_, i): Call => ({
        what: `get missing ${i}`,
        send: () => request(api.url).get(`/api/v1/containers/${api.runId}-missing-${i}`).set(auth()),
        status: 404,
        check: (b) => isObject(b) && isObject(b.error) && b.error.code === 'not_found',
      })),
      ...Array.from({ length: 20 }, (_, i): Call => ({
        what: `submit ${i}`,
        send: () =>
          request(api.url)
            .post('/api/v1/images/build')
            .set(auth())
            .send(dockerfileBuild(url, `${api.runId}-app:${i + 2}`, { id: `${api.runId}-b${i}` })),
        status: 202,
        check: (b) => isObject(b) && b.id === `${api.runId}-b${i}` && b.status === 'queued',
      })),
      ...Array.from({ length: 10 }, (_, i): Call => ({
        what: `resubmit ${i}`,
        send: () =>
          request(api.url)
            .post('/api/v1/images/build')
            .set(auth())
            .send(dockerfileBuild(url, `${api.runId}-app:1`, { id: existing })),
        status: 200,
        check: (b) => isObject(b) && b.id === existing,
      })),
      ...Array.from({ length: 20 }, (_, i): Call => ({
        what: `list ${i}`,
        send: () => request(api.url).get('/api/v1/containers?all=true').set(auth()),
        status: 200,
        check: (b) => isObject(b) && Array.isArray(b.containers),
      })),
    ];
    expect(calls).toHaveLength(180);

    const answers = await Promise.all(calls.map((c) => c.send()));
    const wrong = calls
      .map((c, i) => ({ call: c, res: answers[i]! }))
      .filter(({ call, res }) => res.status !== call.status || !call.check(res.body, res.text))
      .map(({ call, res }) => `${call.what}: expected ${call.status}, got ${res.status} ${res.text.slice(0, 120)}`);
    expect(wrong).toEqual([]);
  });
});
