import { request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import type Docker from 'dockerode';
import request from 'supertest';
import { pack } from 'tar-stream';
import { TEST_LABEL, startTestApi, type TestApi } from '../support/api';
import { expectError, poll, uniqueName } from './helpers';

/** The busybox stand-in's file system, as `docker export` writes it. */
async function busyboxRootfs(docker: Docker, label: string): Promise<Buffer> {
  const c = await docker.createContainer({ Image: 'berth-test/busybox:latest', Cmd: ['true'], Labels: { [TEST_LABEL]: label } });
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of (await c.export()) as AsyncIterable<Buffer>) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await c.remove({ force: true });
  }
}

/** A tar of one file of `bytes` zeros: small once gzipped, big once unpacked. */
async function zerosTar(bytes: number): Promise<Buffer> {
  const tar = pack();
  tar.entry({ name: 'zeros', size: bytes }, Buffer.alloc(bytes));
  tar.finalize();
  const chunks: Buffer[] = [];
  for await (const chunk of tar as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks);
}

/** POSTs `body` in chunks without a Content-Length, as a client streaming from a pipe does. */
function postChunked(url: string, headers: Record<string, string>, body: Buffer): Promise<{ status: number; json: { error?: { code: string; field?: string } } }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { method: 'POST', headers: { ...headers, 'Content-Type': 'application/octet-stream' } }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString() || '{}') }));
    });
    req.on('error', reject);
    for (let at = 0; at < body.length; at += 64 * 1024) req.write(body.subarray(at, at + 64 * 1024));
    req.end();
  });
}

/** Runs `image` to its end and answers its output. */
async function runToEnd(docker: Docker, image: string, label: string): Promise<string> {
  const c = await docker.createContainer({ Image: image, Labels: { [TEST_LABEL]: label } });
  try {
    await c.start();
    await c.wait();
    const logs = await c.logs({ stdout: true, stderr: true, follow: false });
    // Multiplexed frames: an 8-byte header before each chunk.
    const out: string[] = [];
    for (let at = 0; at + 8 <= logs.length; at += 8 + logs.readUInt32BE(at + 4)) out.push(logs.subarray(at + 8, at + 8 + logs.readUInt32BE(at + 4)).toString());
    return out.join('');
  } finally {
    await c.remove({ force: true });
  }
}

describe('image import and container commit', () => {
  let api: TestApi;
  let small: TestApi;
  let rootfs: Buffer;
  const tags: string[] = [];

  const tagFor = (what: string) => {
    const tag = `berth-import-test/${api.runId}-${what}:1`;
    tags.push(tag);
    return tag;
  };
  const upload = (on: TestApi, query: Record<string, string | string[]>, body: Buffer) =>
    request(on.url).post('/api/v1/images/import').query(query).set(on.auth()).set('Content-Type', 'application/octet-stream').send(body);
  const imageOf = (tag: string) => api.docker.getImage(tag).inspect();
  const absent = async (tag: string) => {
    const found = await api.docker
      .getImage(tag)
      .inspect()
      .then(
        () => 200,
        (err: { statusCode?: number }) => err.statusCode,
      );
    expect(found).toBe(404);
  };

  beforeAll(async () => {
    api = await startTestApi();
    small = await startTestApi({ images: { max_import_bytes: 1024 * 1024 } });
    rootfs = await busyboxRootfs(api.docker, api.runId);
  });

  afterAll(async () => {
    for (const tag of tags)
      await api.docker
        .getImage(tag)
        .remove({ force: true })
        .catch(() => undefined);
    await small.close();
    await api.close();
  });

  it.each([
    ['tar', () => rootfs],
    ['tar.gz', () => gzipSync(rootfs)],
  ])('imports a %s root filesystem with its command, environment, working directory and ports', async (what, body) => {
    const tag = tagFor(what.replace('.', '-'));
    const res = await upload(
      api,
      {
        tag,
        cmd: JSON.stringify(['sh', '-c', 'echo "$GREETING" from $(pwd)']),
        env: ['GREETING=hi $HOME "x"', 'OTHER=1'],
        workdir: '/srv',
        expose: ['8080', '53/udp'],
        message: 'from a test',
      },
      body(),
    );
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ id: expect.stringMatching(/^sha256:/), tags: [tag] });
    expect(res.body.size).toBeGreaterThan(1000);
    const image = await imageOf(tag);
    expect(image.Config.Cmd).toEqual(['sh', '-c', 'echo "$GREETING" from $(pwd)']);
    expect(image.Config.Env).toEqual(expect.arrayContaining(['GREETING=hi $HOME "x"', 'OTHER=1']));
    expect(image.Config.WorkingDir).toBe('/srv');
    expect(Object.keys(image.Config.ExposedPorts ?? {}).sort()).toEqual(['53/udp', '8080/tcp']);
    expect(image.Comment).toBe('from a test');
    expect(image.Config.Labels).toMatchObject({ 'berth.instance': api.runId, 'berth.origin': 'import' });
    // Berth's own: the image routes see it.
    const seen = await request(api.url)
      .get(`/api/v1/images/${encodeURIComponent(tag)}`)
      .set(api.auth());
    expect(seen.status).toBe(200);
    expect(seen.body.managed).toBe(true);
    expect(await runToEnd(api.docker, tag, api.runId)).toBe('hi $HOME "x" from /srv\n');
  });

  it('answers 413 over [images] max_import_bytes and leaves no image, with or without a Content-Length', async () => {
    const declared = tagFor('declared');
    expectError(await upload(small, { tag: declared }, rootfs), 413, 'payload_too_large', 'rootfs');
    await absent(declared);
    const streamed = tagFor('streamed');
    const res = await postChunked(`${small.url}/api/v1/images/import?tag=${encodeURIComponent(streamed)}`, small.auth(), rootfs);
    expect({ status: res.status, code: res.json.error?.code, field: res.json.error?.field }).toEqual({ status: 413, code: 'payload_too_large', field: 'rootfs' });
    await absent(streamed);
    // Small once compressed, over the cap once unpacked.
    const bomb = tagFor('bomb');
    const gz = gzipSync(await zerosTar(3 * 1024 * 1024));
    expect(gz.length).toBeLessThan(1024 * 1024);
    expectError(await upload(small, { tag: bomb }, gz), 413, 'payload_too_large', 'rootfs');
    await absent(bomb);
  });

  it.each([
    [{ cmd: 'sh -c true' }, 'cmd'],
    [{ cmd: '["sh", 1]' }, 'cmd'],
    [{ env: ['A=b\nRUN x'] }, 'env'],
    [{ env: ['1A=b'] }, 'env'],
    [{ workdir: 'relative/dir' }, 'workdir'],
    [{ expose: ['80/sctp'] }, 'expose'],
    [{ expose: ['70000'] }, 'expose'],
    [{ message: 'two\nlines' }, 'message'],
  ])('refuses bad changes %p naming the field, and makes no image', async (query, field) => {
    const tag = tagFor(`bad-${field}`);
    expectError(await upload(api, { tag, ...query }, rootfs), 400, 'invalid_input', field);
    await absent(tag);
  });

  it('refuses a missing or malformed tag, a body that is not a tar, and a tag of an image Berth did not make', async () => {
    expectError(await upload(api, {}, rootfs), 400, 'invalid_input', 'tag');
    expectError(await upload(api, { tag: 'Upper/Case' }, rootfs), 400, 'invalid_input', 'tag');
    const notTar = tagFor('not-tar');
    expectError(await upload(api, { tag: notTar }, Buffer.alloc(4096, 'x')), 400, 'invalid_input', 'rootfs');
    expectError(await upload(api, { tag: notTar }, Buffer.from([0x1f, 0x8b, 0, 1, 2, 3])), 400, 'invalid_input', 'rootfs');
    await absent(notTar);
    expectError(await upload(api, { tag: 'berth-test/busybox:latest' }, rootfs), 409, 'state_conflict', 'tag');
  });

  it('commits a running container of Berth with its new file, changes and message; pauses it by default', async () => {
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/busybox:latest', name: uniqueName(api, 'commit'), command: ['sh', '-c', 'echo committed > /marker && echo ready && sleep 600'] });
    expect(created.status).toBe(201);
    const id = created.body.id as string;
    await request(api.url).post(`/api/v1/containers/${id}/start`).set(api.auth()).expect(200);
    await poll('the marker written', async () => {
      const logs = await api.docker.getContainer(id).logs({ stdout: true, follow: false });
      return logs.toString().includes('ready') || undefined;
    });
    const tag = tagFor('committed');
    const res = await request(api.url)
      .post(`/api/v1/containers/${id}/commit`)
      .set(api.auth())
      .send({
        tag,
        message: 'first commit',
        changes: { cmd: ['sh', '-c', 'cat /marker; echo $MODE'], env: { MODE: 'committed-mode' }, workdir: '/data', expose: ['9000'], labels: { team: 'a b' } },
      });
    expect(res.status).toBe(201);
    expect(res.body.tags).toEqual([tag]);
    const image = await imageOf(tag);
    expect(image.Comment).toBe('first commit');
    expect(image.Config.WorkingDir).toBe('/data');
    expect(Object.keys(image.Config.ExposedPorts ?? {})).toEqual(['9000/tcp']);
    expect(image.Config.Labels).toMatchObject({ team: 'a b', 'berth.origin': 'commit', 'berth.instance': api.runId });
    expect(await runToEnd(api.docker, tag, api.runId)).toBe('committed\ncommitted-mode\n');
    // Paused only while copied: it runs on.
    expect((await api.docker.getContainer(id).inspect()).State.Status).toBe('running');
  });

  it('commits without pausing when asked, and refuses bad changes with the field', async () => {
    const created = await request(api.url)
      .post('/api/v1/containers')
      .set(api.auth())
      .send({ image: 'berth-test/busybox:latest', command: ['sleep', '600'] });
    const id = created.body.id as string;
    await request(api.url).post(`/api/v1/containers/${id}/start`).set(api.auth()).expect(200);
    const tag = tagFor('unpaused');
    const res = await request(api.url).post(`/api/v1/containers/${id}/commit`).set(api.auth()).send({ tag, pause: false });
    expect(res.status).toBe(201);
    const bad = tagFor('bad-commit');
    const post = (body: object) =>
      request(api.url)
        .post(`/api/v1/containers/${id}/commit`)
        .set(api.auth())
        .send({ tag: bad, ...body });
    expectError(await post({ changes: { cmd: [] } }), 400, 'invalid_input', 'changes.cmd');
    expectError(await post({ changes: { cmd: ['sh', '-c', 'a\nb'] } }), 400, 'invalid_input', 'changes.cmd');
    expectError(await post({ changes: { env: { 'A B': 'x' } } }), 400, 'invalid_input', 'changes.env');
    expectError(await post({ changes: { labels: { 'berth.build-id': 'x' } } }), 400, 'invalid_input', 'changes.labels');
    expectError(await post({ changes: { workdir: 'x' } }), 400, 'invalid_input', 'changes.workdir');
    await absent(bad);
  });

  it('answers 404 for a container Berth did not create, and commits nothing', async () => {
    const foreign = await api.docker.createContainer({ Image: 'berth-test/busybox:latest', Cmd: ['sleep', '600'], Labels: { [TEST_LABEL]: api.runId } });
    const tag = tagFor('foreign');
    expectError(await request(api.url).post(`/api/v1/containers/${foreign.id}/commit`).set(api.auth()).send({ tag }), 404, 'not_found');
    await absent(tag);
  });
});
