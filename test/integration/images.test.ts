import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { TEST_LABEL, startTestApi, type TestApi } from '../support/api';
import { expectError, suiteLabels, uniqueName } from './helpers';

interface ImageBody {
  id: string;
  tags: string[];
  build_id?: string;
  managed?: boolean;
}

describe('images API', () => {
  let api: TestApi;
  let manageAll: TestApi;
  let engine: DockerodeEngine;
  let contextDir: string;
  let count = 0;

  const get = (path: string, on = api) => request(on.url).get(path).set(on.auth());
  const del = (path: string, on = api) => request(on.url).delete(path).set(on.auth());
  /** The path of an image: `/` inside a reference travels as `%2F`. */
  const at = (ref: string) => `/api/v1/images/${encodeURIComponent(ref)}`;
  const tagged = async (id: string) => (await api.docker.getImage(id).inspect()).RepoTags ?? [];

  /** An image as a build worker leaves it: the berth labels of this API's instance, tagged under a slash. */
  const built = async (what: string, labels: Record<string, string> = {}): Promise<{ id: string; tag: string; buildId: string }> => {
    count += 1;
    const tag = `registry.lan/${api.runId}/${what}:${count}`;
    const buildId = `${api.runId}-${what}-${count}`;
    const { imageId } = await engine.buildImage(
      {
        contextDir,
        dockerfile: 'Dockerfile',
        tag,
        buildArgs: {},
        labels: {
          'berth.build-id': buildId,
          'berth.repo': 'https://git.lan/team/app.git',
          'berth.commit': 'c0ffee',
          'berth.instance': api.runId,
          [TEST_LABEL]: api.runId,
          ...labels,
        },
        noCache: false,
      },
      () => undefined,
      new AbortController().signal,
    );
    return { id: imageId, tag, buildId };
  };

  beforeAll(async () => {
    api = await startTestApi();
    manageAll = await startTestApi({ containers: { manage_all: true } });
    engine = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000 });
    contextDir = mkdtempSync(join(tmpdir(), 'berth-images-'));
    writeFileSync(join(contextDir, 'Dockerfile'), 'FROM berth-test/busybox:latest\nCMD ["sleep", "300"]\n');
  });
  afterAll(async () => {
    await manageAll?.close();
    await api?.close();
    const left = await api.docker.listImages({ filters: JSON.stringify({ label: [`${TEST_LABEL}=${api.runId}`] }) });
    for (const image of left)
      await api.docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(contextDir, { recursive: true, force: true });
  });

  it('lists the images this Berth built, with their build id, and filters by label', async () => {
    const image = await built('list');
    const res = await get('/api/v1/images');
    expect(res.status).toBe(200);
    const entry = (res.body.images as ImageBody[]).find((i) => i.id === image.id);
    expect(entry).toEqual({
      id: image.id,
      tags: [image.tag],
      created: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      size: expect.any(Number),
      labels: expect.objectContaining({ 'berth.build-id': image.buildId, 'berth.instance': api.runId }),
      build_id: image.buildId,
    });
    const busybox = (await api.docker.getImage('berth-test/busybox:latest').inspect()).Id;
    expect((res.body.images as ImageBody[]).map((i) => i.id)).not.toContain(busybox);

    const one = await get(`/api/v1/images?label=${encodeURIComponent(`berth.build-id=${image.buildId}`)}`);
    expect((one.body.images as ImageBody[]).map((i) => i.id)).toEqual([image.id]);
    const two = await get(`/api/v1/images?label=${encodeURIComponent(`berth.build-id=${image.buildId}`)}&label=berth.commit`);
    expect((two.body.images as ImageBody[]).map((i) => i.id)).toEqual([image.id]);
    expect((await get('/api/v1/images?label=berth.commit%3Dnope')).body).toEqual({ images: [] });
  });

  it('inspects by tag (slashes as %2F), id, sha256 id and id prefix', async () => {
    const image = await built('inspect');
    const hex = image.id.replace(/^sha256:/, '');
    for (const ref of [image.tag, image.id, hex, hex.slice(0, 12)]) {
      const res = await get(at(ref));
      expect({ ref, status: res.status }).toEqual({ ref, status: 200 });
      expect(res.body).toEqual({
        id: image.id,
        tags: [image.tag],
        created: expect.any(String),
        size: expect.any(Number),
        labels: expect.objectContaining({ 'berth.build-id': image.buildId }),
        build_id: image.buildId,
        repo: 'https://git.lan/team/app.git',
        commit: 'c0ffee',
        managed: true,
        // Podman lists a digest of the local manifest even for an image never pushed; Docker none.
        repo_digests: expect.any(Array),
        layers: expect.arrayContaining([{ digest: expect.stringMatching(/^sha256:[a-f0-9]{64}$/), size: expect.any(Number) }]),
        history: expect.arrayContaining([expect.objectContaining({ created_by: expect.stringContaining('sleep') })]),
        config: expect.objectContaining({ cmd: ['sleep', '300'], exposed_ports: [], labels: expect.objectContaining({ 'berth.build-id': image.buildId }) }),
      });
    }
  });

  it('answers a slash sent unencoded with a 404 route error', async () => {
    const image = await built('slash');
    expectError(await get(`/api/v1/images/${image.tag}`), 404, 'route_not_found');
  });

  it.each([
    ['upper case', 'App:1'],
    ['dot dot', '..'],
    ['a space', 'a b'],
    ['a path', 'app:1/../../containers/json'],
    ['a bad digest', 'app@sha256:abc'],
  ])('answers a reference with %s 400 invalid_input on ref, GET and DELETE', async (_, ref) => {
    expectError(await get(at(ref)), 400, 'invalid_input', 'ref');
    expectError(await del(at(ref)), 400, 'invalid_input', 'ref');
  });

  it('answers a force that is not a boolean 400 invalid_input on force', async () => {
    const image = await built('badforce');
    expectError(await del(`${at(image.tag)}?force=maybe`), 400, 'invalid_input', 'force');
    expect(await tagged(image.id)).toEqual([image.tag]);
  });

  it('answers a malformed percent-encoding with a JSON error, not a 500', async () => {
    expectError(await get('/api/v1/images/app%E0%A4%A'), 400, 'invalid_input');
  });

  it('answers an unknown image 404 not_found', async () => {
    expectError(await get(at(`nope-${api.runId}:1`)), 404, 'not_found');
    expectError(await del(at(`nope-${api.runId}:1`)), 404, 'not_found');
    expectError(await get(at('0123456789ab'.repeat(5) + '0123')), 404, 'not_found');
  });

  it('hides images it did not build: 404 on inspect and delete, forced or not, and deletes nothing', async () => {
    const busybox = await api.docker.getImage('berth-test/busybox:latest').inspect();
    const other = await built('other', { 'berth.instance': manageAll.runId });
    for (const ref of ['berth-test/busybox:latest', busybox.Id, busybox.Id.slice(7, 19), other.tag]) {
      expectError(await get(at(ref)), 404, 'not_found');
      expectError(await del(at(ref)), 404, 'not_found');
      expectError(await del(`${at(ref)}?force=true`), 404, 'not_found');
    }
    expect((await api.docker.getImage('berth-test/busybox:latest').inspect()).Id).toBe(busybox.Id);
    expect(await tagged(other.id)).toHaveLength(1);
  });

  it('with manage_all, lists and inspects images it did not build, without build details', async () => {
    const busybox = await api.docker.getImage('berth-test/busybox:latest').inspect();
    const listed = await get('/api/v1/images', manageAll);
    expect(listed.status).toBe(200);
    expect((listed.body.images as ImageBody[]).find((i) => i.id === busybox.Id)).toMatchObject({
      id: busybox.Id,
      tags: expect.arrayContaining(['berth-test/busybox:latest']),
    });
    const res = await get(at('berth-test/busybox:latest'), manageAll);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ id: busybox.Id, managed: false });
    expect(res.body).not.toHaveProperty('build_id');
  });

  it('deletes an image by tag: 204, gone from the engine and the list', async () => {
    const image = await built('delete');
    const res = await del(at(image.tag));
    expect(res.status).toBe(204);
    expect(res.text).toBe('');
    await expect(api.docker.getImage(image.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
    expectError(await get(at(image.id)), 404, 'not_found');
    expect(((await get('/api/v1/images')).body.images as ImageBody[]).map((i) => i.id)).not.toContain(image.id);
  });

  it('refuses an image a container uses (409), and with force=true removes its tag but neither the image nor the container', async () => {
    const image = await built('inuse');
    const container = await api.docker.createContainer({ Image: image.tag, name: uniqueName(api, 'inuse'), Labels: suiteLabels(api) });
    await container.start();
    expectError(await del(at(image.tag)), 409, 'state_conflict');
    expectError(await del(at(image.id)), 409, 'state_conflict');
    expect(await tagged(image.id)).toHaveLength(1);

    expect((await del(`${at(image.tag)}?force=true`)).status).toBe(204);
    expect(await tagged(image.id)).toEqual([]);
    expect((await container.inspect()).State.Running).toBe(true);
    expect((await get(at(image.id))).body).toMatchObject({ id: image.id, tags: [] });
    expectError(await get(at(image.tag)), 404, 'not_found');

    expectError(await del(`${at(image.id)}?force=true`), 409, 'state_conflict');
    expect((await container.inspect()).State.Running).toBe(true);
    await container.remove({ force: true });
    expect((await del(at(image.id))).status).toBe(204);
    await expect(api.docker.getImage(image.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });

  it('with force=true by id, removes the tags of an image a stopped container uses and keeps the container', async () => {
    const image = await built('stopped');
    const container = await api.docker.createContainer({ Image: image.tag, name: uniqueName(api, 'stopped'), Labels: suiteLabels(api) });
    expectError(await del(at(image.id)), 409, 'state_conflict');
    expect((await del(`${at(image.id)}?force=true`)).status).toBe(204);
    // Docker deletes the image itself when only stopped containers use it; Podman keeps it untagged.
    expect(await tagged(image.id).catch(() => [])).toEqual([]);
    expect((await container.inspect()).State.Status).toBe('created');
    await container.start();
    expect((await container.inspect()).State.Running).toBe(true);
  });

  it('removes one tag of several; an id with several tags answers 409 unless forced', async () => {
    const image = await built('tags');
    const second = `registry.lan/${api.runId}/tags:second`;
    await api.docker.getImage(image.id).tag({ repo: `registry.lan/${api.runId}/tags`, tag: 'second' });
    expect((await get(at(image.id))).body.tags.sort()).toEqual([image.tag, second].sort());

    expect((await del(at(second))).status).toBe(204);
    expect((await get(at(image.id))).body.tags).toEqual([image.tag]);

    await api.docker.getImage(image.id).tag({ repo: `registry.lan/${api.runId}/tags`, tag: 'second' });
    expectError(await del(at(image.id)), 409, 'state_conflict');
    expect((await del(`${at(image.id)}?force=true`)).status).toBe(204);
    await expect(api.docker.getImage(image.id).inspect()).rejects.toMatchObject({ statusCode: 404 });
  });
});
