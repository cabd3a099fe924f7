import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { expectError, suiteLabels, uniqueName } from './helpers';

/** Builds `tag` on the engine directly from a Dockerfile text (no Berth involved). */
async function buildDirectly(api: TestApi, tag: string, dockerfile: string): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-ownership-'));
  try {
    writeFileSync(join(dir, 'Dockerfile'), dockerfile);
    const stream = await api.docker.buildImage({ context: dir, src: ['Dockerfile'] }, { t: tag, forcerm: true });
    const events: Array<{ error?: string }> = await new Promise((resolve, reject) => {
      api.docker.modem.followProgress(stream, (err: Error | null, out: Array<{ error?: string }>) => (err ? reject(err) : resolve(out)));
    });
    const failed = events.find((e) => e.error);
    if (failed) throw new Error(`building ${tag} failed: ${failed.error}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('which containers the API may see and touch', () => {
  let api: TestApi;
  let manageAll: TestApi;
  let foreign: { id: string; name: string };
  let system: { id: string; name: string };
  let forged: { id: string; name: string };
  let labelledImage: string;

  /** A container made behind Berth's back, directly on the engine. */
  const direct = async (what: string, labels: Record<string, string> = {}): Promise<{ id: string; name: string }> => {
    const name = uniqueName(api, what);
    const c = await api.docker.createContainer({ Image: 'berth-test/nginx:alpine', name, Labels: suiteLabels(api, labels) });
    return { id: c.id, name };
  };
  const listed = async (on: TestApi, id: string): Promise<boolean> => {
    const res = await request(on.url).get('/api/v1/containers?all=true').set(on.auth());
    expect(res.status).toBe(200);
    return (res.body.containers as Array<{ id: string }>).some((c) => c.id === id);
  };

  beforeAll(async () => {
    api = await startTestApi({ containers: { stop_timeout_seconds: 1 } });
    manageAll = await startTestApi({ containers: { manage_all: true } });
    foreign = await direct('foreign');
    system = await direct('system', { 'berth.system': 'true' });
    forged = await direct('forged', { 'berth.managed': 'true', 'berth.instance': api.runId, 'berth.system': 'true' });
    labelledImage = `${api.runId}-labelled:1`;
    await buildDirectly(
      api,
      labelledImage,
      `FROM berth-test/busybox:latest\nLABEL berth.system=true berth.managed=true berth.instance=${api.runId}\nCMD ["sleep", "600"]\n`,
    );
  });
  afterAll(async () => {
    await manageAll?.close();
    await api?.close();
    await api?.docker
      .getImage(labelledImage)
      .remove({ force: true })
      .catch(() => undefined);
  });

  it('hides containers it did not create: 404 on every action, absent from the list', async () => {
    const call = (method: 'get' | 'post' | 'delete', path: string) => request(api.url)[method](path).set(api.auth());
    for (const ref of [foreign.id, foreign.id.slice(0, 12), foreign.name]) {
      expectError(await call('get', `/api/v1/containers/${ref}`), 404, 'not_found');
      expectError(await call('post', `/api/v1/containers/${ref}/start`), 404, 'not_found');
      expectError(await call('post', `/api/v1/containers/${ref}/stop`), 404, 'not_found');
      expectError(await call('post', `/api/v1/containers/${ref}/restart`), 404, 'not_found');
      expectError(await call('get', `/api/v1/containers/${ref}/logs`), 404, 'not_found');
      expectError(await call('delete', `/api/v1/containers/${ref}`), 404, 'not_found');
    }
    expect(await listed(api, foreign.id)).toBe(false);
    const res = await request(api.url)
      .get(`/api/v1/containers?all=true&label=${encodeURIComponent(`test.berth.suite=${api.runId}`)}`)
      .set(api.auth());
    expect(res.body.containers).toEqual([]);
    expect((await api.docker.getContainer(foreign.id).inspect()).State.Status).toBe('created');
  });

  it("takes Berth's labels on a container it did not create for nothing: 404 on every action, absent from the list", async () => {
    const call = (method: 'get' | 'post' | 'delete', path: string) => request(api.url)[method](path).set(api.auth());
    for (const ref of [forged.id, forged.name]) {
      expectError(await call('get', `/api/v1/containers/${ref}`), 404, 'not_found');
      expectError(await call('post', `/api/v1/containers/${ref}/start`), 404, 'not_found');
      expectError(await call('post', `/api/v1/containers/${ref}/stop`), 404, 'not_found');
      expectError(await call('delete', `/api/v1/containers/${ref}`), 404, 'not_found');
    }
    expect(await listed(api, forged.id)).toBe(false);
    expect((await api.docker.getContainer(forged.id).inspect()).State.Status).toBe('created');
  });

  it("overrides an image's berth.* labels: a container made from it through the API is Berth's, and ordinary", async () => {
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: labelledImage, name: uniqueName(api, 'from-labelled') });
    expect(created.status).toBe(201);
    const base = `/api/v1/containers/${created.body.id}`;
    const inspected = await request(api.url).get(base).set(api.auth());
    expect(inspected.body).toMatchObject({ managed: true, labels: { 'berth.system': 'false', 'berth.managed': 'true', 'berth.instance': api.runId } });
    expect((await request(api.url).post(`${base}/start`).set(api.auth())).body).toEqual({ id: created.body.id, state: 'running' });
    const stopped = await request(api.url).post(`${base}/stop`).set(api.auth());
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).toBe('exited');
    expect((await request(api.url).delete(base).set(api.auth())).status).toBe(204);
    await expect(api.docker.getContainer(created.body.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('does not see the containers of another Berth instance on the same engine', async () => {
    const created = await request(manageAll.url)
      .post('/api/v1/containers')
      .set(manageAll.auth())
      .send({ image: 'berth-test/nginx:alpine', name: uniqueName(manageAll, 'other') });
    expect(created.status).toBe(201);
    expectError(await request(api.url).get(`/api/v1/containers/${created.body.id}`).set(api.auth()), 404, 'not_found');
    expect(await listed(api, created.body.id)).toBe(false);
  });

  it('refuses labels under berth. from clients (400 naming the label)', async () => {
    const res = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/nginx:alpine', name: uniqueName(api, 'spoof'), labels: { 'berth.managed': 'true' } });
    expectError(res, 400, 'invalid_input', 'labels.berth.managed');
    const sys = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/nginx:alpine', labels: { 'berth.system': 'true' } });
    expectError(sys, 400, 'invalid_input', 'labels.berth.system');
  });

  it('with manage_all, sees and manages containers it did not create', async () => {
    expect(await listed(manageAll, foreign.id)).toBe(true);
    const base = `/api/v1/containers/${foreign.name}`;
    const inspected = await request(manageAll.url).get(base).set(manageAll.auth());
    expect(inspected.status).toBe(200);
    expect(inspected.body).toMatchObject({ id: foreign.id, name: foreign.name, managed: false });

    const started = await request(manageAll.url).post(`${base}/start`).set(manageAll.auth());
    expect(started.body).toEqual({ id: foreign.id, state: 'running' });
    const stopped = await request(manageAll.url).post(`${base}/stop`).set(manageAll.auth());
    expect(stopped.body).toEqual({ id: foreign.id, state: 'exited' });
    expect((await request(manageAll.url).delete(base).set(manageAll.auth())).status).toBe(204);
    await expect(api.docker.getContainer(foreign.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('takes a berth.system label outside its own compose project for nothing, even with manage_all', async () => {
    const base = `/api/v1/containers/${system.id}`;
    expectError(await request(api.url).post(`${base}/start`).set(api.auth()), 404, 'not_found');
    const inspected = await request(manageAll.url).get(base).set(manageAll.auth());
    expect(inspected.body).toMatchObject({ id: system.id, managed: false });
    expect((await request(manageAll.url).post(`${base}/start`).set(manageAll.auth())).body).toEqual({ id: system.id, state: 'running' });
    expect((await request(manageAll.url).delete(base).set(manageAll.auth())).status).toBe(204);
    await expect(api.docker.getContainer(system.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});

describe('the ownership record while Redis is down', () => {
  let api: TestApi;
  beforeAll(async () => {
    api = await startTestApi({ redis: { url: 'redis://127.0.0.1:1' } });
  });
  afterAll(async () => {
    await api?.close().catch(() => undefined);
  });

  it('answers 503 redis_unavailable, and a create leaves no container behind', async () => {
    const name = uniqueName(api, 'unrecorded');
    expectError(await request(api.url).post('/api/v1/containers').set(api.auth()).send({ image: 'berth-test/busybox:latest', name }), 503, 'redis_unavailable');
    await expect(api.docker.getContainer(name).inspect()).rejects.toMatchObject({ statusCode: 404 });
    // One that carries Berth's labels can only be told from a forgery by the record.
    const labelled = uniqueName(api, 'labelled');
    await api.docker.createContainer({
      Image: 'berth-test/busybox:latest',
      name: labelled,
      Labels: suiteLabels(api, { 'berth.managed': 'true', 'berth.instance': api.runId }),
    });
    expectError(await request(api.url).get(`/api/v1/containers/${labelled}`).set(api.auth()), 503, 'redis_unavailable');
    expectError(await request(api.url).get('/api/v1/containers?all=true').set(api.auth()), 503, 'redis_unavailable');
  });
});
