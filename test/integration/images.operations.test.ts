import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Redis } from 'ioredis';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { TEST_LABEL, startTestApi, type TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import { startRegistry, type TestRegistry } from '../support/registry';
import { startStallingProxy, type StallingProxy } from '../support/stalling-proxy';
import { expectError, poll } from './helpers';

interface Operation {
  id: string;
  status: string;
  error?: { code: string; message: string };
}

/**
 * Cancel and restart of pulls and pushes, against a real registry reached through a proxy that
 * holds the transfer once it asks for a layer: the operation is mid-flight for as long as needed.
 */
describe('image operations: cancel, and lost on an API restart', () => {
  let registry: TestRegistry;
  let proxy: StallingProxy;
  let api: TestApi;
  let contextDir: string;
  /** The image pushed and pulled: built here, with a 1 MiB layer of its own. */
  let local: string;
  const made: string[] = [];

  const post = (on: TestApi, path: string, body: object = {}) => request(on.url).post(path).set(on.auth()).send(body);
  const get = (on: TestApi, id: string) => request(on.url).get(`/api/v1/images/operations/${id}`).set(on.auth());
  const logText = async (on: TestApi, id: string) =>
    ((await request(on.url).get(`/api/v1/images/operations/${id}/logs`).set(on.auth())).body.lines as Array<{ text: string }>).map((l) => l.text);
  const ended = (on: TestApi, id: string) =>
    poll(`operation ${id}`, async () => ((await get(on, id)).body.status === 'running' ? undefined : ((await get(on, id)).body as Operation)), 90_000);

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startStallingProxy(registry.host);
    // Podman must be told both speak plain HTTP; Docker trusts 127.0.0.0/8 by itself.
    api = await startTestApi({ registries: { [registry.host]: { insecure: true }, [proxy.host]: { insecure: true } } });
    contextDir = mkdtempSync(join(tmpdir(), 'berth-ops-'));
    writeFileSync(join(contextDir, 'Dockerfile'), 'FROM berth-test/busybox:latest\nCOPY marker /marker\n');
    // A layer of its own, larger than what the proxy lets through: the transfer is held inside it.
    writeFileSync(join(contextDir, 'marker'), randomBytes(1024 * 1024));
    const engine = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000 });
    const labels = { 'berth.build-id': `${api.runId}-ops`, 'berth.instance': api.runId, [TEST_LABEL]: api.runId };
    local = `berth-it/${api.runId}-ops:1`;
    await engine.buildImage({ contextDir, dockerfile: 'Dockerfile', tag: local, buildArgs: {}, labels, noCache: false }, () => undefined, new AbortController().signal);
    made.push(local);
  });

  afterAll(async () => {
    for (const ref of made)
      await api?.docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    await api?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${api.config.redis.prefix}:image*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await proxy?.close();
    await registry?.stop();
    rmSync(contextDir, { recursive: true, force: true });
  });

  /**
   * Podman drops its registry connection as soon as Berth closes the engine request. Docker 20.10
   * stops the pull or push (its log: "Not continuing with pull after error: context canceled") but
   * leaves a layer read it started open until the registry answers or the connection dies.
   */
  const engineLetGo = async () => {
    if (api.engine === 'podman') await proxy.heldClosed();
  };

  it('cancels a push mid-layer: the operation ends cancelled, the log says so, the engine lets go of the registry', async () => {
    const target = `${proxy.host}/berth-it/${api.runId}-ops:1`;
    made.push(target);
    const before = proxy.holds();
    const op = (await post(api, `/api/v1/images/${encodeURIComponent(local)}/push`, { target })).body as Operation;
    await proxy.stalled(before);
    const res = await post(api, `/api/v1/images/operations/${op.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: op.id, status: 'cancelled', error: { code: 'cancelled' }, finished_at: expect.any(String) });
    expect((await logText(api, op.id)).at(-1)).toMatch(/^cancelled: /);
    await engineLetGo();
    expectError(await post(api, `/api/v1/images/operations/${op.id}/cancel`), 409, 'state_conflict');
    expectError(await post(api, '/api/v1/images/operations/00000000-0000-4000-8000-000000000000/cancel'), 404, 'not_found');
    expectError(await post(api, '/api/v1/images/operations/nope/cancel'), 404, 'not_found');
  });

  it('cancels a pull mid-layer: the operation ends cancelled, no image is left, the engine lets go of the registry', async () => {
    const source = `${registry.host}/berth-it/${api.runId}-ops:1`;
    made.push(source);
    expect(await ended(api, (await post(api, `/api/v1/images/${encodeURIComponent(local)}/push`, { target: source })).body.id)).toMatchObject({ status: 'succeeded' });
    // Gone from the engine, so that the pull has to fetch its layer.
    for (const ref of made)
      await api.docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    const image = `${proxy.host}/berth-it/${api.runId}-ops:1`;
    const before = proxy.holds();
    const op = (await post(api, '/api/v1/images/pull', { image })).body as Operation;
    await proxy.stalled(before);
    const res = await post(api, `/api/v1/images/operations/${op.id}/cancel`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: op.id, status: 'cancelled', error: { code: 'cancelled' } });
    expect((await logText(api, op.id)).at(-1)).toMatch(/^cancelled: /);
    await engineLetGo();
    await expect(api.docker.getImage(image).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('an operation left running by an API that stopped ends lost when the API starts again', async () => {
    const image = `${proxy.host}/berth-it/${api.runId}-ops:1`;
    // Held by the proxy (or, on Docker, joined to the layer read the cancelled pull left open): it cannot end by itself.
    const op = (await post(api, '/api/v1/images/pull', { image })).body as Operation;
    // A second start on the same Redis and instance: to it, the first process is gone.
    const restarted = await startTestApi({
      redis: { prefix: api.config.redis.prefix },
      server: { instance: api.config.server.instance },
      registries: { [proxy.host]: { insecure: true } },
    });
    try {
      const lost = await poll('operation lost', async () => {
        const body = (await get(restarted, op.id)).body as Operation;
        return body.status === 'running' ? undefined : body;
      });
      expect(lost).toMatchObject({ status: 'lost', error: { code: 'lost', message: expect.stringMatching(/API restarted.*submitted again/) } });
      // (The first process, alive here, may still add progress lines after it.)
      expect(await logText(restarted, op.id)).toContainEqual(expect.stringMatching(/^lost: the API restarted/));
      expectError(await post(restarted, `/api/v1/images/operations/${op.id}/cancel`), 409, 'state_conflict');
    } finally {
      await restarted.close();
    }
    // For the first process too it has ended; its own transfer stops when it closes.
    expectError(await post(api, `/api/v1/images/operations/${op.id}/cancel`), 409, 'state_conflict');
  });
});
