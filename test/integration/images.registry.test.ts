import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { Redis } from 'ioredis';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { TEST_LABEL, startTestApi, type TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import { startRegistry, type TestRegistry } from '../support/registry';
import { RegistryCredentials } from '../../src/images/registry-credentials';
import { expectError, parseEvents, poll, readText, suiteLabels } from './helpers';

interface Operation {
  id: string;
  kind: string;
  image: string;
  registry: string;
  status: string;
  digest?: string;
  image_id?: string;
  error?: { code: string; message: string; details?: { registry?: string } };
}

const USER = { username: 'berth', password: 'right-horse-battery' };

describe('images and a real registry', () => {
  let open: TestRegistry;
  let secured: TestRegistry;
  let api: TestApi;
  let engine: DockerodeEngine;
  let contextDir: string;
  const made: string[] = [];

  const at = (ref: string) => `/api/v1/images/${encodeURIComponent(ref)}`;
  const post = (on: TestApi, path: string, body: object) => request(on.url).post(path).set(on.auth()).send(body);

  /** Waits for the operation to end and answers its record. */
  const ended = (on: TestApi, op: Operation): Promise<Operation> =>
    poll(
      `operation ${op.id}`,
      async () => {
        const res = await request(on.url).get(`/api/v1/images/operations/${op.id}`).set(on.auth());
        return res.body.status === 'running' ? undefined : (res.body as Operation);
      },
      90_000,
    );

  /** An image as a build worker of `on` leaves it, with a file of its own so its layers are new to the registry. */
  const built = async (on: TestApi, what: string): Promise<{ id: string; tag: string }> => {
    writeFileSync(join(contextDir, 'marker'), `${on.runId}-${what}\n`);
    const tag = `berth-it/${on.runId}-${what}:1`;
    const labels = { 'berth.build-id': `${on.runId}-${what}`, 'berth.instance': on.runId, [TEST_LABEL]: on.runId };
    const { imageId } = await engine.buildImage(
      { contextDir, dockerfile: 'Dockerfile', tag, buildArgs: {}, labels, noCache: false },
      () => undefined,
      new AbortController().signal,
    );
    made.push(tag);
    return { id: imageId, tag };
  };

  const removeLocal = async (ref: string) =>
    api.docker
      .getImage(ref)
      .remove()
      .catch(() => undefined);

  /** Runs the image and answers what it printed. */
  const run = async (ref: string): Promise<string> => {
    const container = await api.docker.createContainer({ Image: ref, Cmd: ['cat', '/marker'], Labels: suiteLabels(api) });
    try {
      await container.start();
      await container.wait();
      const out = await container.logs({ stdout: true, stderr: true });
      return out.toString('utf8');
    } finally {
      await container.remove({ force: true });
    }
  };

  beforeAll(async () => {
    open = await startRegistry();
    secured = await startRegistry(USER);
    // Podman must be told the test registries speak plain HTTP: `insecure = true` (Docker trusts 127.0.0.0/8 by itself).
    api = await startTestApi({ registries: { [open.host]: { insecure: true }, [secured.host]: { ...USER, insecure: true } } });
    engine = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000 });
    contextDir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
    writeFileSync(
      join(contextDir, 'Dockerfile'),
      'FROM berth-test/busybox:latest\nCOPY marker /marker\nENV GREETING=hi\nWORKDIR /srv\nEXPOSE 8080\nCMD ["cat", "/marker"]\n',
    );
  });

  afterAll(async () => {
    for (const ref of made) await removeLocal(ref);
    await api?.close();
    const redis = new Redis(REDIS_URL);
    const keys = await redis.keys(`${api.config.redis.prefix}:image*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
    await open?.stop();
    await secured?.stop();
    rmSync(contextDir, { recursive: true, force: true });
  });

  for (const which of ['open', 'htpasswd'] as const) {
    it(`round trip through the ${which} registry: push, remove, pull (by tag and by digest), run; digests match`, async () => {
      const registry = which === 'open' ? open : secured;
      const image = await built(api, which);
      const target = `${registry.host}/berth-it/${api.runId}-${which}:1`;
      made.push(target);

      const pushed = await post(api, `${at(image.tag)}/push`, { target });
      expect(pushed.status).toBe(202);
      expect(pushed.body).toMatchObject({ kind: 'push', image: target, registry: registry.host, status: 'running' });
      const push = await ended(api, pushed.body as Operation);
      expect(push).toMatchObject({ status: 'succeeded', image_id: image.id, digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/) });
      const log = await request(api.url).get(`/api/v1/images/operations/${push.id}/logs`).set(api.auth());
      const texts = (log.body.lines as Array<{ text: string }>).map((l) => l.text);
      // Podman's push reports no layers (ENVIRONMENT.md); Docker's does.
      if (api.engine === 'docker') expect(texts.some((t) => t.startsWith('layer '))).toBe(true);
      expect(texts.at(-1)).toMatch(/^done: /);

      await removeLocal(target);
      await removeLocal(image.tag);
      await expect(api.docker.getImage(image.id).inspect()).rejects.toMatchObject({ statusCode: 404 });

      const pulled = await post(api, '/api/v1/images/pull', { image: target });
      expect(pulled.status).toBe(202);
      const pull = await ended(api, pulled.body as Operation);
      expect(pull).toMatchObject({ status: 'succeeded', digest: push.digest });
      const pullLog = await request(api.url).get(`/api/v1/images/operations/${pull.id}/logs`).set(api.auth());
      expect((pullLog.body.lines as Array<{ text: string }>).some((l) => l.text.startsWith('layer '))).toBe(true);
      expect(await run(target)).toContain(`${api.runId}-${which}\n`);

      // Pulled images are this Berth's: inspect shows them, with what they are made of.
      const inspected = await request(api.url).get(at(target)).set(api.auth());
      expect(inspected.status).toBe(200);
      const repo = target.slice(0, target.lastIndexOf(':'));
      expect(inspected.body).toMatchObject({ pulled: true, managed: true, repo_digests: expect.arrayContaining([`${repo}@${push.digest}`]) });
      expect(inspected.body.config).toMatchObject({
        env: expect.arrayContaining(['GREETING=hi']),
        cmd: ['cat', '/marker'],
        workdir: '/srv',
        exposed_ports: ['8080/tcp'],
      });
      expect(inspected.body.layers.length).toBeGreaterThanOrEqual(2);
      expect(inspected.body.layers[0].digest).toMatch(/^sha256:/);
      expect(inspected.body.history.some((h: { created_by: string }) => h.created_by.includes('marker'))).toBe(true);
      const listed = await request(api.url).get('/api/v1/images').set(api.auth());
      expect((listed.body.images as Array<{ id: string }>).map((i) => i.id)).toContain(inspected.body.id);

      await removeLocal(target);
      const pinned = `${repo}@${push.digest}`;
      const byDigest = await ended(api, (await post(api, '/api/v1/images/pull', { image: pinned })).body as Operation);
      expect(byDigest).toMatchObject({ status: 'succeeded', digest: push.digest, image_id: inspected.body.id });
      await removeLocal(pinned);
    });
  }

  it('builds FROM an image of the htpasswd registry with the [registries] credentials, and not without them', async () => {
    const image = await built(api, 'base');
    const base = `${secured.host}/berth-it/${api.runId}-base:1`;
    made.push(base);
    expect(await ended(api, (await post(api, `${at(image.tag)}/push`, { target: base })).body as Operation)).toMatchObject({ status: 'succeeded' });
    await removeLocal(base);
    await removeLocal(image.tag);
    const dir = mkdtempSync(join(tmpdir(), 'berth-from-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM ${base}\nRUN cat /marker\n`);
    const spec = { contextDir: dir, dockerfile: 'Dockerfile', buildArgs: {}, labels: { [TEST_LABEL]: api.runId }, noCache: true };
    const credentials = new RegistryCredentials({ [secured.host]: { ...USER, insecure: true } });
    const withAuth = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000, buildRegistries: credentials.forBuilds() });
    const lines: string[] = [];
    try {
      await expect(engine.buildImage({ ...spec, tag: `berth-it/${api.runId}-noauth:1` }, () => undefined, new AbortController().signal)).rejects.toThrow();
      const tag = `berth-it/${api.runId}-from:1`;
      made.push(tag);
      await withAuth.buildImage({ ...spec, tag }, (l) => void lines.push(l), new AbortController().signal);
      expect(lines.join('\n')).toContain(`${api.runId}-base`);
      expect(lines.join('\n')).not.toContain(USER.password);
    } finally {
      await removeLocal(base);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('builds FROM a registry marked insecure (its image pulled apart on Podman); TLS stays verified for a registry not marked so', async () => {
    const image = await built(api, 'plain');
    const base = `${open.host}/berth-it/${api.runId}-plain:1`;
    made.push(base);
    expect(await ended(api, (await post(api, `${at(image.tag)}/push`, { target: base })).body as Operation)).toMatchObject({ status: 'succeeded' });
    const dir = mkdtempSync(join(tmpdir(), 'berth-from-'));
    writeFileSync(join(dir, 'Dockerfile'), `FROM berth-test/busybox:latest AS tools\nFROM ${base}\nRUN cat /marker\n`);
    const spec = { contextDir: dir, dockerfile: 'Dockerfile', buildArgs: {}, labels: { [TEST_LABEL]: api.runId }, noCache: true };
    const engineWith = (registries: ConstructorParameters<typeof RegistryCredentials>[0]) =>
      new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000, buildRegistries: new RegistryCredentials(registries).forBuilds() });
    try {
      // Only the other registry is insecure: before, Podman turned TLS off for the whole build.
      await removeLocal(base);
      await removeLocal(image.tag);
      const otherOnly = engineWith({ [secured.host]: { ...USER, insecure: true } });
      const notMarked = otherOnly.buildImage({ ...spec, tag: `berth-it/${api.runId}-tls:1` }, () => undefined, new AbortController().signal);
      made.push(`berth-it/${api.runId}-tls:1`);
      if (api.engine === 'podman') await expect(notMarked).rejects.toThrow(/HTTPS client|https:\/\//);
      // Docker decides by its own insecure-registries, which hold 127.0.0.0/8.
      else await notMarked;
      await removeLocal(base);

      const lines: string[] = [];
      const tag = `berth-it/${api.runId}-plain-from:1`;
      made.push(tag);
      const marked = engineWith({ [open.host]: { insecure: true }, [secured.host]: { ...USER, insecure: true } });
      await marked.buildImage({ ...spec, tag }, (l) => void lines.push(l), new AbortController().signal);
      expect(lines.join('\n')).toContain(`${api.runId}-plain`);
      const pulledApart = lines.filter((l) => l.startsWith('[berth] pulling'));
      expect(pulledApart).toEqual(api.engine === 'podman' ? [`[berth] pulling ${base} without TLS verification: [registries."${open.host}"] insecure = true`] : []);
    } finally {
      await removeLocal(base);
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('follows a pull as SSE: log events, then end', async () => {
    const image = await built(api, 'sse');
    const target = `${open.host}/berth-it/${api.runId}-sse:1`;
    made.push(target);
    await ended(api, (await post(api, `${at(image.tag)}/push`, { target })).body as Operation);
    await removeLocal(target);
    const op = (await post(api, '/api/v1/images/pull', { image: target })).body as Operation;
    const res = await request(api.url).get(`/api/v1/images/operations/${op.id}/logs?follow=true`).set(api.auth()).buffer(true).parse(readText);
    const events = parseEvents(res.body as string);
    expect(events.filter((e) => e.event === 'log').length).toBeGreaterThan(1);
    expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'succeeded' } });
  });

  it('wrong credentials: the operation fails registry_auth_failed, naming the registry', async () => {
    const wrong = await startTestApi({ registries: { [secured.host]: { username: USER.username, password: 'wrong-password', insecure: true } } });
    try {
      const image = await built(wrong, 'wrong');
      const target = `${secured.host}/berth-it/${wrong.runId}-wrong:1`;
      made.push(target);
      const push = await ended(wrong, (await post(wrong, `${at(image.tag)}/push`, { target })).body as Operation);
      expect(push).toMatchObject({ status: 'failed', error: { code: 'registry_auth_failed', details: { registry: secured.host } } });
      expect(push.error?.message).toContain(secured.host);
      expect(JSON.stringify(push)).not.toContain('wrong-password');
      const pull = await ended(wrong, (await post(wrong, '/api/v1/images/pull', { image: `${secured.host}/berth-it/anything:1` })).body as Operation);
      expect(pull).toMatchObject({ status: 'failed', error: { code: 'registry_auth_failed', details: { registry: secured.host } } });
      const log = await request(wrong.url).get(`/api/v1/images/operations/${pull.id}/logs`).set(wrong.auth());
      expect(JSON.stringify(log.body)).not.toContain('wrong-password');
    } finally {
      await wrong.close();
    }
  });

  it('an unknown image: the pull fails registry_not_found; an unreachable registry: registry_unreachable', async () => {
    const missing = await ended(api, (await post(api, '/api/v1/images/pull', { image: `${open.host}/berth-it/${api.runId}-nope:1` })).body as Operation);
    expect(missing).toMatchObject({ status: 'failed', registry: open.host, error: { code: 'registry_not_found', details: { registry: open.host } } });
    const gone = await startRegistry();
    const host = gone.host;
    await gone.stop();
    const unreachable = await ended(api, (await post(api, '/api/v1/images/pull', { image: `${host}/berth-it/x:1` })).body as Operation);
    expect(unreachable).toMatchObject({ status: 'failed', error: { code: 'registry_unreachable', details: { registry: host } } });
  });

  it('tags an image of this Berth; refuses bad input with the field named', async () => {
    const image = await built(api, 'tag');
    const tag = `berth-it/${api.runId}-tag:extra`;
    made.push(tag);
    const res = await post(api, `${at(image.tag)}/tag`, { tag });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: image.id, tags: expect.arrayContaining([tag]) });
    expectError(await post(api, `${at(image.tag)}/tag`, { tag: 'Bad Tag' }), 400, 'invalid_input', 'tag');
    expectError(await post(api, `${at('berth-test/busybox:latest')}/tag`, { tag: `berth-it/${api.runId}-x:1` }), 404, 'not_found');
    expectError(await post(api, '/api/v1/images/pull', { image: 'not a reference' }), 400, 'invalid_input', 'image');
    expectError(await post(api, '/api/v1/images/pull', { image: 'berth-it/x:1', platform: 'linux' }), 400, 'invalid_input', 'platform');
    expectError(await post(api, `${at(image.id)}/push`, {}), 400, 'invalid_input', 'target');
    expectError(await request(api.url).get('/api/v1/images/operations/nope').set(api.auth()), 404, 'not_found');
  });
});
