import { Readable } from 'node:stream';
import { gzipSync } from 'node:zlib';
import winston from 'winston';
import { AppError } from '../errors';
import { FakeImportEngine } from './testing/fake-import.engine';
import { ImageImportService } from './image-import.service';
import { isGzip, isTarHeader } from './rootfs-upload';

/** A minimal tar: one header block saying `ustar`, then two zero blocks. */
function tarOf(bytes: number): Buffer {
  const tar = Buffer.alloc(512 + bytes + 1024);
  tar.write('file', 0);
  tar.write('ustar', 257, 'latin1');
  return tar;
}

/** The body as the HTTP layer hands it over: in small chunks. */
function upload(body: Buffer): Readable {
  const chunks: Buffer[] = [];
  for (let at = 0; at < body.length; at += 100) chunks.push(body.subarray(at, at + 100));
  return Readable.from(chunks);
}

describe('ImageImportService', () => {
  const setup = (maxImportBytes = 10_000) => {
    const engine = new FakeImportEngine();
    const service = new ImageImportService(engine, { instance: 'berth', manageAll: false, maxImportBytes }, winston.createLogger({ silent: true }));
    return { engine, service };
  };
  const failure = (p: Promise<unknown>) =>
    p.then(
      () => undefined,
      (err: unknown) => (err instanceof AppError ? { code: err.code, field: err.field } : err),
    );

  it("passes a tar through and labels the image as this Berth's", async () => {
    const { engine, service } = setup();
    const body = tarOf(2000);
    const image = await service.import(upload(body), { tag: 'base:1', cmd: '["sh"]', env: ['A=b'], workdir: '/srv', expose: ['80'], message: 'm' });
    expect(image.tags).toEqual(['base:1']);
    expect(engine.imported.get('base:1')).toEqual(body);
    expect(engine.specs[0]).toMatchObject({ tag: 'base:1', message: 'm' });
    expect(engine.specs[0]?.changes).toMatchObject({ cmd: ['sh'], env: { A: 'b' }, workdir: '/srv', expose: ['80/tcp'] });
    expect(image.labels).toMatchObject({ 'berth.instance': 'berth', 'berth.origin': 'import', 'berth.build-id': expect.stringMatching(/^import-/) });
  });

  it('recognises gzip by its magic bytes, whatever the Content-Type, and hands the engine the plain tar', async () => {
    const { engine, service } = setup();
    const body = tarOf(2000);
    await service.import(upload(gzipSync(body)), { tag: 'gz:1' }, { type: 'application/x-tar' });
    expect(engine.imported.get('gz:1')).toEqual(body);
    expect(isGzip(gzipSync(body))).toBe(true);
    expect(isGzip(body)).toBe(false);
    expect(isTarHeader(body)).toBe(true);
    expect(isTarHeader(Buffer.alloc(512))).toBe(false);
  });

  it('answers 413 for a declared length over the cap without reading or calling the engine', async () => {
    const { engine, service } = setup(1000);
    const body = upload(tarOf(2000));
    expect(await failure(service.import(body, { tag: 'big:1' }, { bytes: 3000 }))).toEqual({ code: 'payload_too_large', field: 'rootfs' });
    expect(engine.importCalls).toBe(0);
  });

  it('stops a streamed upload at the cap, and a gzip that unpacks past it', async () => {
    const { engine, service } = setup(4000);
    expect(await failure(service.import(upload(tarOf(5000)), { tag: 'big:1' }))).toEqual({ code: 'payload_too_large', field: 'rootfs' });
    const bomb = gzipSync(tarOf(100_000));
    expect(bomb.length).toBeLessThan(4000);
    expect(await failure(service.import(upload(bomb), { tag: 'bomb:1' }))).toEqual({ code: 'payload_too_large', field: 'rootfs' });
    expect(engine.images.size).toBe(0);
  });

  it.each([
    ['text', Buffer.alloc(2000, 'x')],
    ['a short body', Buffer.from('x')],
    ['broken gzip', Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.alloc(2000, 7)])],
    ['a gzip of text', gzipSync(Buffer.alloc(2000, 'x'))],
  ])('refuses %s as the rootfs', async (_what, body) => {
    const { engine, service } = setup();
    expect(await failure(service.import(upload(body), { tag: 'x:1' }))).toEqual({ code: 'invalid_input', field: 'rootfs' });
    expect(engine.images.size).toBe(0);
  });

  it('ends the import when the client goes away half-way, and makes no image', async () => {
    const { engine, service } = setup();
    const body = new Readable({ read: () => undefined });
    body.push(tarOf(2000).subarray(0, 1000));
    const importing = failure(service.import(body, { tag: 'gone:1' }));
    setImmediate(() => body.destroy(new Error('aborted')));
    expect(await importing).toEqual({ code: 'invalid_input', field: 'rootfs' });
    expect(engine.images.size).toBe(0);
  });

  it('checks every parameter before reading the body', async () => {
    const { engine, service } = setup();
    expect(await failure(service.import(upload(tarOf(10)), {}))).toEqual({ code: 'invalid_input', field: 'tag' });
    expect(await failure(service.import(upload(tarOf(10)), { tag: 'x:1', expose: ['x'] }))).toEqual({ code: 'invalid_input', field: 'expose' });
    expect(await failure(service.import(upload(tarOf(10)), { tag: 'x:1' }, { type: 'multipart/form-data; boundary=x' }))).toEqual({
      code: 'unsupported_media_type',
      field: undefined,
    });
    expect(engine.importCalls).toBe(0);
  });

  it('refuses a tag of an image Berth did not make', async () => {
    const { engine, service } = setup();
    engine.images.set('sha256:other', { id: 'sha256:other', tags: ['busybox:latest'], labels: {}, created: '', size: 1 });
    expect(await failure(service.import(upload(tarOf(10)), { tag: 'busybox:latest' }))).toEqual({ code: 'state_conflict', field: 'tag' });
  });
});
