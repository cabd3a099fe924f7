import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import request from 'supertest';
import { pack } from 'tar-stream';
import { startTestApi, removeLabelled, type TestApi } from '../support/api';
import { copyImage, startDockerd, type TestDockerd } from '../support/dockerd-node';
import { REDIS_URL, SOCKETS } from '../support/engines';
import { startGitServer, type GitServer } from '../support/git-server';
import { startSshd, type TestSshd } from '../support/sshd';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { makeTlsFiles } from '../support/tls-certs';
import { submitBuild, waitForBuild } from './build-helpers';
import { freePort, uniqueName } from './helpers';

const IMAGE = 'berth-test/busybox:latest';

/**
 * Four nodes on this machine: `local` (this project's engine), `second` (a dockerd of the test's
 * own over its unix socket), `tls` (another dockerd on TCP 127.0.0.1 with client certificates)
 * and `ssh` (Podman's socket behind an sshd of the test's own).
 */
describe('nodes', () => {
  let api: TestApi;
  let second: TestDockerd;
  let tlsd: TestDockerd;
  let sshd: TestSshd;
  let git: GitServer;
  let worker: BuildWorker | undefined;
  const certDir = mkdtempSync(join(tmpdir(), 'berth-node-tls-'));
  const podman = new Docker({ socketPath: SOCKETS.podman });
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const del = (path: string) => request(api.url).delete(path).set(api.auth());
  const engineOf = (node: string): Docker => ({ local: api.docker, second: second.docker, tls: tlsd.docker, ssh: podman })[node] as Docker;

  beforeAll(async () => {
    const files = makeTlsFiles(certDir);
    const [tlsPort, sshPort] = [await freePort(), await freePort()];
    [second, tlsd, sshd] = await Promise.all([startDockerd(), startDockerd({ tls: { port: tlsPort, files } }), startSshd(sshPort)]);
    const machine = new Docker({ socketPath: SOCKETS.docker });
    await Promise.all([copyImage(machine, second.docker, IMAGE), copyImage(machine, tlsd.docker, IMAGE)]);
    const nodes = [
      { name: 'second', host: `unix://${second.socketPath}`, timeout_seconds: 5 },
      { name: 'tls', host: tlsd.tcp, ca: files.ca, cert: files.clientCert, key: files.clientKey, timeout_seconds: 5 },
      {
        name: 'ssh',
        runtime: 'podman',
        host: `ssh://${sshd.user}@127.0.0.1:${sshd.port}`,
        ssh_key: sshd.keyFile,
        known_hosts: sshd.knownHostsFile,
        socket: SOCKETS.podman,
      },
    ];
    api = await startTestApi({ containers: { manage_all: true }, git: { allowed_hosts: ['127.0.0.1'] }, nodes } as never);
    git = await startGitServer();
    // A listing waits for the first probes only briefly: wait here until each node has answered one.
    const reachable = async () => ((await get('/api/v1/nodes')).body.nodes as Array<{ reachable: boolean }>).every((n) => n.reachable);
    await until(reachable, 'every node reachable after start');
  });

  afterAll(async () => {
    await worker?.close();
    await git?.close();
    await api?.close();
    await removeLabelled(podman, `berth.instance=${api?.runId}`);
    await forgetNodeRecords(api?.config.redis.prefix);
    await Promise.all([second?.remove(), tlsd?.remove(), sshd?.stop()]);
    rmSync(certDir, { recursive: true, force: true });
  });

  it('lists every node with the facts its engine reports', async () => {
    const res = await get('/api/v1/nodes');
    expect(res.status).toBe(200);
    expect(res.body.nodes.map((n: { name: string }) => n.name)).toEqual(['local', 'second', 'tls', 'ssh']);
    const facts = {
      reachable: true,
      hostname: expect.any(String),
      os: expect.any(String),
      kernel: expect.stringMatching(/\d/),
      engine_version: expect.stringMatching(/\d/),
      cpus: expect.any(Number),
      memory_bytes: expect.any(Number),
      containers: expect.any(Number),
      images: expect.any(Number),
      last_seen_at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    };
    const errors = res.body.nodes.map((n: { name: string; error?: { message: string } }) => `${n.name}: ${n.error?.message ?? 'ok'}`);
    expect(errors).toEqual(['local: ok', 'second: ok', 'tls: ok', 'ssh: ok']);
    for (const node of res.body.nodes) expect(node).toMatchObject(facts);
    const byName = Object.fromEntries(res.body.nodes.map((n: { name: string }) => [n.name, n]));
    expect(byName.local).toMatchObject({ runtime: api.engine, engine: api.engine, host: `unix://${api.socketPath}` });
    expect(byName.second).toMatchObject({ runtime: 'docker', engine: 'docker', host: `unix://${second.socketPath}`, images: 1 });
    expect(byName.tls).toMatchObject({ runtime: 'docker', engine: 'docker', host: tlsd.tcp, images: 1 });
    expect(byName.ssh).toMatchObject({ runtime: 'podman', engine: 'podman', host: `ssh://${sshd.user}@127.0.0.1:${sshd.port}` });
    expect(byName.tls.cpus).toBeGreaterThan(0);
    expect(byName.tls.memory_bytes).toBeGreaterThan(0);

    const one = await get('/api/v1/nodes/tls');
    expect(one.status).toBe(200);
    expect(one.body).toMatchObject({ name: 'tls', reachable: true, host: tlsd.tcp, engine: 'docker' });
    const unknown = await get('/api/v1/nodes/nowhere');
    expect(unknown.status).toBe(404);
    expect(unknown.body.error).toMatchObject({ code: 'not_found', message: 'node "nowhere" not found' });
    expect((await get('/api/v1/nodes/nowhere/containers')).status).toBe(404);
  });

  it.each(['local', 'second', 'tls', 'ssh'])('creates, lists, starts, stops and removes a container on %s', async (node) => {
    const name = uniqueName(api, node);
    const base = `/api/v1/nodes/${node}/containers`;
    const created = await post(base, { image: IMAGE, name, command: ['sleep', '300'], init: true });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    // It is on that node's engine.
    expect((await engineOf(node).getContainer(id).inspect()).Name).toBe(`/${name}`);
    if (node !== 'local' && node !== 'ssh') await expect(api.docker.getContainer(id).inspect()).rejects.toMatchObject({ statusCode: 404 });

    expect((await post(`${base}/${id}/start`)).body).toEqual({ id, state: 'running' });
    const listed = await get(base);
    expect(listed.status).toBe(200);
    expect(listed.body.containers).toContainEqual(expect.objectContaining({ id, name, state: 'running', image: expect.stringContaining('busybox') }));
    const stopped = await post(`${base}/${id}/stop`);
    expect(stopped.status).toBe(200);
    expect(stopped.body.state).not.toBe('running');
    expect((await get(`${base}/${id}`)).body).toMatchObject({ id, name, state: { status: 'exited' } });
    expect((await del(`${base}/${id}`)).status).toBe(204);
    const gone = await get(`${base}/${id}`);
    expect(gone.status).toBe(404);
  });

  it('lists and inspects the images of a node', async () => {
    const res = await get('/api/v1/nodes/second/images');
    expect(res.status).toBe(200);
    expect(res.body.images).toEqual([expect.objectContaining({ tags: [IMAGE] })]);
    const inspected = await get(`/api/v1/nodes/tls/images/${encodeURIComponent(IMAGE)}`);
    expect(inspected.status).toBe(200);
    expect(inspected.body.tags).toEqual([IMAGE]);
  });

  it('commits a container and imports a root filesystem on a node', async () => {
    const base = '/api/v1/nodes/second/containers';
    const created = await post(base, { image: IMAGE, name: uniqueName(api, 'commit'), command: ['sh', '-c', 'echo kept > /kept'] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    expect((await post(`${base}/${id}/start`)).status).toBe(200);
    await second.docker.getContainer(id).wait();
    const tag = `${api.runId}-committed:1`;
    const committed = await post(`${base}/${id}/commit`, { tag, changes: { cmd: ['cat', '/kept'] } });
    expect(committed.status).toBe(201);
    expect(committed.body.tags).toEqual([tag]);
    expect((await second.docker.getImage(tag).inspect()).Config.Cmd).toEqual(['cat', '/kept']);
    await expect(api.docker.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expect((await del(`${base}/${id}`)).status).toBe(204);

    const tar = pack();
    tar.entry({ name: 'hello.txt' }, 'hello from a rootfs\n');
    tar.finalize();
    const chunks: Buffer[] = [];
    for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
    const importTag = `${api.runId}-imported:1`;
    const imported = await request(api.url)
      .post(`/api/v1/nodes/tls/images/import?tag=${encodeURIComponent(importTag)}`)
      .set(api.auth())
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.concat(chunks));
    expect({ status: imported.status, error: imported.body.error }).toEqual({ status: 201, error: undefined });
    expect((await tlsd.docker.getImage(importTag).inspect()).Id).toBe(imported.body.id);
    const listed = await get('/api/v1/nodes/tls/images');
    expect(listed.body.images).toContainEqual(expect.objectContaining({ tags: [importTag] }));
  });

  it("builds an image on the node a build names, with that node's engine", async () => {
    worker = await startTestWorker(api.config);
    const { url } = git.push(`${api.runId}-node-build`, { Dockerfile: `FROM ${IMAGE}\nRUN echo built-on-tls > /marker\n` });
    const tag = `${api.runId}-node-build:1`;
    const submitted = await submitBuild(api, { git_repo: url, buildpack_type: 'dockerfile', image_tag: tag, node: 'tls' });
    expect((submitted as unknown as { node: string }).node).toBe('tls');
    const done = await waitForBuild(api, submitted.id, ['succeeded', 'failed']);
    expect({ status: done.status, error: done.error }).toEqual({ status: 'succeeded', error: undefined });
    expect((await tlsd.docker.getImage(tag).inspect()).Id).toBe(done.image_id);
    await expect(api.docker.getImage(tag).inspect()).rejects.toMatchObject({ statusCode: 404 });
    const listed = await get('/api/v1/nodes/tls/images');
    expect(listed.body.images).toContainEqual(expect.objectContaining({ id: done.image_id, tags: [tag] }));

    const refused = await request(api.url)
      .post('/api/v1/images/build')
      .set(api.auth())
      .send({ git_repo: url, buildpack_type: 'dockerfile', image_tag: tag, node: 'nowhere' });
    expect(refused.status).toBe(400);
    expect(refused.body.error).toMatchObject({ code: 'invalid_input', field: 'node' });
  });

  it('answers 503 naming a node whose daemon stopped, while the other nodes answer; it comes back when the daemon does', async () => {
    await second.stop();
    const down = await get('/api/v1/nodes/second/containers');
    expect(down.status).toBe(503);
    expect(down.body.error).toMatchObject({ code: 'node_unavailable', message: expect.stringContaining('node "second"'), details: { node: 'second' } });
    // Known down now: answered from the registry's state, not by calling the dead daemon.
    const again = await get('/api/v1/nodes/second/images');
    expect(again.status).toBe(503);
    expect(again.body.error.code).toBe('node_unavailable');
    const upload = await request(api.url)
      .post('/api/v1/nodes/second/images/import?tag=x:1')
      .set(api.auth())
      .set('Content-Type', 'application/octet-stream')
      .send(Buffer.alloc(64 * 1024));
    expect(upload.status).toBe(503);
    expect(upload.body.error.code).toBe('node_unavailable');

    const others = await Promise.all(['local', 'tls', 'ssh'].map((node) => get(`/api/v1/nodes/${node}/containers`)));
    expect(others.map((r) => r.status)).toEqual([200, 200, 200]);
    expect((await get('/api/v1/containers')).status).toBe(200);
    expect((await get('/api/v1/nodes/second')).body).toMatchObject({ name: 'second', reachable: false, error: { code: 'node_unavailable' } });
    const listed = await get('/api/v1/nodes');
    expect(listed.body.nodes.filter((n: { reachable: boolean }) => n.reachable).map((n: { name: string }) => n.name)).toEqual(['local', 'tls', 'ssh']);

    const health = await get('/api/v1/healthy');
    expect(health.status).toBe(200);
    expect(health.body.nodes).toEqual([
      { name: 'local', state: 'up' },
      { name: 'second', state: 'down', error: expect.any(String) },
      { name: 'tls', state: 'up' },
      { name: 'ssh', state: 'up' },
    ]);

    await second.start();
    await until(async () => (await get('/api/v1/nodes/second')).body.reachable === true, 'node "second" is shown reachable again');
    const back = await get('/api/v1/nodes/second/containers');
    expect(back.status).toBe(200);
  });
});

/** Polls `check` (the registry re-probes a down node every 2 s) for at most 60 s. */
async function until(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 240; i += 1) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`not seen within 60 s: ${what}`);
}

/** The container records of the test's nodes (`<prefix>:containers:<instance>:node:<name>`). */
async function forgetNodeRecords(prefix: string | undefined): Promise<void> {
  if (!prefix) return;
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    const keys = await redis.keys(`${prefix}:containers:*`);
    if (keys.length > 0) await redis.del(...keys);
  } finally {
    redis.disconnect();
  }
}
