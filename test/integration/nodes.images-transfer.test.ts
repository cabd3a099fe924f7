import Docker from 'dockerode';
import { Redis } from 'ioredis';
import request from 'supertest';
import { pack } from 'tar-stream';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { startTestApi, type TestApi } from '../support/api';
import { copyImage, startDockerd, type TestDockerd } from '../support/dockerd-node';
import { REDIS_URL, SOCKETS } from '../support/engines';
import { startRegistry, type TestRegistry } from '../support/registry';
import { expectError, parseEvents, poll, readText } from './helpers';

const IMAGE = 'berth-test/busybox:latest';

interface Operation {
  id: string;
  kind: string;
  node: string;
  status: string;
  image_id?: string;
  error?: unknown;
}

/**
 * Pull, push and tag on a node: `second` is a dockerd of the test's own, the registry one on
 * 127.0.0.1. Images are Berth's only as built, made or pulled (no `manage_all`).
 */
describe('image transfers on a node', () => {
  let api: TestApi;
  let second: TestDockerd;
  let registry: TestRegistry;
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const at = (ref: string) => `/api/v1/nodes/second/images/${encodeURIComponent(ref)}`;
  const ended = (op: Operation): Promise<Operation> =>
    poll(
      `operation ${op.id}`,
      async () => {
        const res = await get(`/api/v1/images/operations/${op.id}`);
        return res.body.status === 'running' ? undefined : (res.body as Operation);
      },
      90_000,
    );
  const refs: string[] = [];
  let pullId = '';
  const named = (what: string) => {
    const ref = `${registry.host}/berth-it/${api.runId}-${what}:1`;
    refs.push(ref);
    return ref;
  };

  beforeAll(async () => {
    [registry, second] = await Promise.all([startRegistry(), startDockerd()]);
    // Podman (as `local`) must be told the registry speaks plain HTTP; a dockerd trusts 127.0.0.0/8 by itself.
    api = await startTestApi({
      registries: { [registry.host]: { insecure: true } },
      nodes: [{ name: 'second', host: `unix://${second.socketPath}`, timeout_seconds: 5 }],
    } as never);
    await poll('node "second" reachable', async () => ((await get('/api/v1/nodes/second')).body.reachable === true ? true : undefined), 60_000, 250);
  });

  afterAll(async () => {
    for (const ref of refs)
      await api?.docker
        .getImage(ref)
        .remove()
        .catch(() => undefined);
    await api?.close();
    await Promise.all([second?.remove(), registry?.stop()]);
    const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    try {
      const keys = await redis.keys(`${api?.config.redis.prefix}:*`);
      if (keys.length > 0) await redis.del(...keys);
    } finally {
      redis.disconnect();
    }
  });

  it("pushes an image from the node, pulls it back onto that node's engine only, and tags it there", async () => {
    const ref = named('made');
    const imported = await request(api.url)
      .post(`/api/v1/nodes/second/images/import?tag=${encodeURIComponent(ref)}`)
      .set(api.auth())
      .set('Content-Type', 'application/octet-stream')
      .send(await rootfs());
    expect({ status: imported.status, error: imported.body.error }).toEqual({ status: 201, error: undefined });
    const id = imported.body.id as string;

    const push = await post(`${at(ref)}/push`, {});
    expect(push.status).toBe(202);
    expect(push.body).toMatchObject({ kind: 'push', node: 'second', status: 'running' });
    expect(await ended(push.body)).toMatchObject({ status: 'succeeded', node: 'second', image_id: id });

    expect((await request(api.url).delete(at(ref)).set(api.auth())).status).toBe(204);
    await expect(second.docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });

    const pull = await post('/api/v1/nodes/second/images/pull', { image: ref });
    expect(pull.status).toBe(202);
    expect(pull.body).toMatchObject({ kind: 'pull', node: 'second', status: 'running' });
    const pulled = await ended(pull.body);
    expect({ status: pulled.status, error: pulled.error }).toEqual({ status: 'succeeded', error: undefined });
    expect(pulled).toMatchObject({ node: 'second', image_id: id });
    expect((await second.docker.getImage(ref).inspect()).Id).toBe(id);
    await expect(api.docker.getImage(ref).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const logs = await get(`/api/v1/images/operations/${pull.body.id}/logs`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toContainEqual(expect.stringMatching(/^done: /));
    // Also under the node's path, where only that node's operations are.
    pullId = pull.body.id;
    expect((await get(`/api/v1/nodes/second/images/operations/${pullId}`)).body).toMatchObject({ id: pullId, node: 'second', status: 'succeeded' });
    const followed = await get(`/api/v1/nodes/second/images/operations/${pullId}/logs?follow=true`).buffer(true).parse(readText);
    expect(parseEvents(followed.body as string).at(-1)).toEqual({ event: 'end', data: { status: 'succeeded' } });
    expectError(await get(`/api/v1/nodes/local/images/operations/${pullId}`), 404, 'not_found');
    expectError(await post(`/api/v1/nodes/second/images/operations/${pullId}/cancel`), 409, 'state_conflict');

    const tag = `${api.runId}-node-tagged:2`;
    const tagged = await post(`${at(ref)}/tag`, { tag });
    expect(tagged.status).toBe(201);
    expect(tagged.body).toMatchObject({ id, tags: expect.arrayContaining([tag, ref]) });
    expect((await second.docker.getImage(tag).inspect()).Id).toBe(id);
    await expect(api.docker.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expectError(await post(`${at(ref)}/tag`, { tag: 'Not A Tag' }), 400, 'invalid_input', 'tag');
  });

  it("makes a pulled image Berth's on the node that pulled it only", async () => {
    // An image Berth did not make, in the registry and on the node: put there behind Berth's back.
    const ref = named('foreign');
    await copyImage(new Docker({ socketPath: SOCKETS.docker }), second.docker, IMAGE);
    const repo = ref.slice(0, -':1'.length);
    await second.docker.getImage(IMAGE).tag({ repo, tag: '1' });
    const direct = new DockerodeEngine({ socketPath: second.socketPath, runtime: 'docker', timeoutMs: 60_000 });
    await direct.pushImage(ref, {}, () => undefined, new AbortController().signal);
    expectError(await get(at(ref)), 404, 'not_found');

    const onLocal = await ended((await post('/api/v1/images/pull', { image: ref })).body);
    expect(onLocal).toMatchObject({ status: 'succeeded', node: 'local' });
    expect((await get(`/api/v1/images/${encodeURIComponent(ref)}`)).body).toMatchObject({ pulled: true });
    // Pulled on `local`: still not Berth's on `second`.
    expectError(await get(at(ref)), 404, 'not_found');
    expectError(await post(`${at(ref)}/push`, {}), 404, 'not_found');

    const onSecond = await ended((await post('/api/v1/nodes/second/images/pull', { image: ref })).body);
    expect(onSecond).toMatchObject({ status: 'succeeded', node: 'second' });
    expect((await get(at(ref))).body).toMatchObject({ managed: true, pulled: true });
  });

  it('answers 400 for a bad body and 404 for an unknown node, as the plain routes do', async () => {
    expectError(await post('/api/v1/nodes/second/images/pull', { image: 'Bad Ref' }), 400, 'invalid_input', 'image');
    for (const res of [
      await post('/api/v1/nodes/nowhere/images/pull', { image: `${registry.host}/x:1` }),
      await post(`/api/v1/nodes/nowhere/images/${encodeURIComponent(IMAGE)}/push`, {}),
      await post(`/api/v1/nodes/nowhere/images/${encodeURIComponent(IMAGE)}/tag`, { tag: 'x:1' }),
      await get(`/api/v1/nodes/nowhere/images/operations/${pullId}`),
    ]) {
      expectError(res, 404, 'not_found', 'node');
    }
  });

  it('answers 503 naming the node when its daemon is stopped', async () => {
    await second.stop();
    // The push reads the image first: the dead daemon is found there. The pull, which asks the engine
    // nothing before it answers, is then refused from the node's known state, with no operation made.
    const bodies: Array<[string, object]> = [
      [`${at(IMAGE)}/push`, {}],
      [`${at(IMAGE)}/tag`, { tag: 'x:1' }],
      ['/api/v1/nodes/second/images/pull', { image: `${registry.host}/x:1` }],
    ];
    for (const [path, body] of bodies) {
      const res = await post(path, body);
      expect(res.status).toBe(503);
      expect(res.body.error).toMatchObject({ code: 'node_unavailable', message: expect.stringContaining('node "second"'), details: { node: 'second' } });
    }
    // What the node ran stays readable while it is down.
    expect((await get(`/api/v1/nodes/second/images/operations/${pullId}`)).body).toMatchObject({ id: pullId, status: 'succeeded' });
  });
});

/** A root filesystem of one file, as a tar. */
async function rootfs(): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: 'hello.txt' }, 'hello from a node\n');
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}
