import winston from 'winston';
import type { ImageComposition, ImageDetails, ImageTransferEngine, TransferEvent, TransferOptions } from '../engine/engine.port';
import { NotFoundError, RegistryError, ValidationError } from '../errors';
import type { ImageView } from '../models/image.model';
import { ImageTransferService } from './image-transfer.service';
import { RegistryCredentials } from './registry-credentials';
import { MemoryImageOperationStore } from './testing/memory-image-operation.store';

const ID = `sha256:${'a'.repeat(64)}`;
const DIGEST = `sha256:${'d'.repeat(64)}`;

/** An engine whose pulls report one layer and whose pushes fail as `pushFails` says. */
class FakeTransferEngine implements ImageTransferEngine {
  readonly calls: Array<{ what: string; ref: string; options?: TransferOptions }> = [];
  pushFails?: Error;
  /** Pulls then wait for their signal, as a transfer stalled on the registry. */
  stall = false;

  async inspectImage(ref: string): Promise<ImageDetails> {
    return { id: ID, tags: [ref], labels: {}, created: '2024-01-01T00:00:00Z', size: 1 };
  }
  async pullImage(ref: string, options: TransferOptions, onEvent: (e: TransferEvent) => void, signal: AbortSignal): Promise<{ imageId: string }> {
    this.calls.push({ what: 'pull', ref, options });
    onEvent({ layer: 'abc123', status: 'Downloading', current: 5, total: 10 });
    if (this.stall) await new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('aborted'))));
    return { imageId: ID };
  }
  async pushImage(ref: string, options: TransferOptions, onEvent: (e: TransferEvent) => void): Promise<{ digest?: string }> {
    this.calls.push({ what: 'push', ref, options });
    onEvent({ status: 'The push refers to repository' });
    if (this.pushFails) throw this.pushFails;
    return { digest: DIGEST };
  }
  async tagImage(ref: string, tag: string): Promise<void> {
    this.calls.push({ what: `tag ${tag}`, ref });
  }
  async composeImage(): Promise<ImageComposition> {
    return { layers: [], history: [], config: { env: [], exposed_ports: [], labels: {} }, repoDigests: [] };
  }
}

function setup(store = new MemoryImageOperationStore()) {
  const engine = new FakeTransferEngine();
  const images = {
    resolve: async (ref: string) => {
      if (ref === 'missing:1') throw new NotFoundError('image', ref);
      return { id: ID, tags: ['app:1'], labels: {}, created: '', size: 1 };
    },
    inspect: async (ref: string) => ({ id: ID, repo_digests: [`registry.lan/team/app@${DIGEST}`], ref }) as unknown as ImageView,
  };
  const credentials = new RegistryCredentials({ 'registry.lan': { username: 'ci', password: 'hunter22', insecure: true } });
  const service = new ImageTransferService({ engine, store, pulled: store, credentials, images, followPollMs: 5 }, winston.createLogger({ silent: true }));
  return { engine, store, service };
}

describe('ImageTransferService', () => {
  it('pulls in the background with the registry credentials; the record ends with the image and its digest; the image counts as pulled', async () => {
    const { engine, store, service } = setup();
    const op = await service.pull({ image: 'registry.lan/team/app' });
    expect(op).toMatchObject({ kind: 'pull', image: 'registry.lan/team/app:latest', registry: 'registry.lan', status: 'running' });
    await service.close();
    expect(await service.operation(op.id)).toMatchObject({ status: 'succeeded', image_id: ID, digest: DIGEST });
    expect(engine.calls[0]?.options).toEqual({ auth: { serveraddress: 'registry.lan', username: 'ci', password: 'hunter22' }, insecure: true });
    expect(await store.has(ID)).toBe(true);
    const { lines } = await service.logs(op.id);
    expect(lines.map((l) => l.text)).toEqual([
      'pull registry.lan/team/app:latest (registry registry.lan)',
      'layer abc123: Downloading 5/10 bytes',
      `done: registry.lan/team/app:latest ${DIGEST} image ${ID}`,
    ]);
  });

  it('keeps a digest-pinned reference as it is', async () => {
    const { engine, service } = setup();
    const pinned = `registry.lan/team/app@${DIGEST}`;
    const op = await service.pull({ image: pinned });
    await service.close();
    expect(engine.calls[0]?.ref).toBe(pinned);
    expect(await service.operation(op.id)).toMatchObject({ status: 'succeeded', digest: DIGEST });
  });

  it('ends a failed push with the registry error, its secrets redacted, and says so in the log', async () => {
    const { engine, service } = setup();
    engine.pushFails = new RegistryError('registry_auth_failed', 'registry.lan', 'registry registry.lan refused hunter22');
    const op = await service.push('app:1', { target: 'registry.lan/team/app:2' });
    await service.close();
    const ended = await service.operation(op.id);
    expect(ended).toMatchObject({
      status: 'failed',
      error: { code: 'registry_auth_failed', message: 'registry registry.lan refused ***', details: { registry: 'registry.lan' } },
    });
    expect(engine.calls.map((c) => c.what)).toEqual(['tag registry.lan/team/app:2', 'push']);
    expect(JSON.stringify(await service.logs(op.id))).not.toContain('hunter22');
  });

  it.each([
    [{ image: 'Not A Ref' }, 'image'],
    [{ image: 'a'.repeat(64) }, 'image'],
    [{ image: 'app:1', platform: 'linux' }, 'platform'],
  ])('refuses %j naming %s', async (body, field) => {
    const { service } = setup();
    await expect(service.pull(body)).rejects.toMatchObject({ code: 'invalid_input', field });
  });

  it('asks for a target when the reference is not a tag of the image, and refuses a bad target', async () => {
    const { service } = setup();
    await expect(service.push(ID, {})).rejects.toMatchObject({ code: 'invalid_input', field: 'target' });
    await expect(service.push('app:1', { target: 'Bad Target' })).rejects.toBeInstanceOf(ValidationError);
    await expect(service.push('missing:1', {})).rejects.toBeInstanceOf(NotFoundError);
  });

  it('answers not_found for an unknown or malformed operation id', async () => {
    const { service } = setup();
    await expect(service.operation('nope')).rejects.toBeInstanceOf(NotFoundError);
    await expect(service.operation('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('follows a log to its end as SSE events', async () => {
    const { service } = setup();
    const op = await service.pull({ image: 'registry.lan/team/app:1' });
    const events = [];
    for await (const e of await service.follow(op.id, 0, new AbortController().signal)) events.push(e.event);
    expect(events.at(-1)).toBe('end');
    expect(events.filter((e) => e === 'log').length).toBe(3);
  });

  it('cancels a running pull: the transfer is aborted, the operation ends cancelled and its log says so', async () => {
    const { engine, service } = setup();
    engine.stall = true;
    const op = await service.pull({ image: 'registry.lan/team/app:1' });
    const cancelled = await service.cancel(op.id);
    expect(cancelled).toMatchObject({ id: op.id, status: 'cancelled', error: { code: 'cancelled' }, finished_at: expect.any(String) });
    expect((await service.logs(op.id)).lines.at(-1)?.text).toMatch(/^cancelled: /);
    await expect(service.cancel(op.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await expect(service.cancel('00000000-0000-4000-8000-000000000000')).rejects.toBeInstanceOf(NotFoundError);
  });

  it('ends its running operations lost when it stops', async () => {
    const { engine, service } = setup();
    engine.stall = true;
    const op = await service.pull({ image: 'registry.lan/team/app:1' });
    await service.close();
    expect(await service.operation(op.id)).toMatchObject({ status: 'lost', error: { code: 'lost' } });
  });

  it('at start, ends lost what a previous process left running, and nothing of its own', async () => {
    const store = new MemoryImageOperationStore();
    const left = { kind: 'push' as const, image: 'registry.lan/a:1', registry: 'registry.lan', status: 'running' as const, logTruncated: false };
    await store.create({ ...left, id: '11111111-1111-4111-8111-111111111111', createdAt: '2020-01-01T00:00:00.000Z' });
    await store.create({ ...left, id: '22222222-2222-4222-8222-222222222222', createdAt: '2020-01-01T00:00:00.000Z', status: 'succeeded' });
    const { engine, service } = setup(store);
    engine.stall = true;
    const mine = await service.pull({ image: 'registry.lan/team/app:1' });
    await service.recover();
    const lost = await service.operation('11111111-1111-4111-8111-111111111111');
    expect(lost).toMatchObject({ status: 'lost', error: { code: 'lost', message: expect.stringMatching(/API restarted.*submitted again/) } });
    expect((await service.logs(lost.id)).lines.at(-1)?.text).toMatch(/^lost: /);
    expect(await service.operation('22222222-2222-4222-8222-222222222222')).toMatchObject({ status: 'succeeded' });
    expect(await service.operation(mine.id)).toMatchObject({ status: 'running' });
    expect(await store.unfinished()).toEqual([mine.id]);
    await expect(service.cancel(lost.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await service.close();
  });

  describe('on another node', () => {
    function onNode() {
      const local = setup();
      const engine = new FakeTransferEngine();
      const pulled = new MemoryImageOperationStore();
      const images = { resolve: async () => ({ id: ID, tags: ['app:1'], labels: {}, created: '', size: 1 }), inspect: async () => ({ id: ID }) as ImageView };
      const node = local.service.onNode('second', { engine, images, pulled }, winston.createLogger({ silent: true }));
      return { local, engine, pulled, node };
    }

    it("pulls with the node's engine; the record names the node; the image is Berth's on that node only", async () => {
      const { local, engine, pulled, node } = onNode();
      const op = await node.pull({ image: 'registry.lan/team/app:1' });
      expect(op).toMatchObject({ node: 'second', status: 'running' });
      await node.close();
      expect(engine.calls.map((c) => c.what)).toEqual(['pull']);
      expect(local.engine.calls).toEqual([]);
      expect(await pulled.has(ID)).toBe(true);
      expect(await local.store.has(ID)).toBe(false);
      // One set of operations: the plain routes' service reads it.
      expect(await local.service.operation(op.id)).toMatchObject({ node: 'second', status: 'succeeded', image_id: ID });
      expect(await local.service.operation((await local.service.pull({ image: 'registry.lan/a:1' })).id)).toMatchObject({ node: 'local' });
      await local.service.close();
    });

    it("cancels a node's running pull through the plain routes' service, and ends it lost when that one stops", async () => {
      const { local, engine, node } = onNode();
      engine.stall = true;
      const first = await node.pull({ image: 'registry.lan/team/app:1' });
      expect(await local.service.cancel(first.id)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
      const second = await node.pull({ image: 'registry.lan/team/app:2' });
      const left = { id: '33333333-3333-4333-8333-333333333333', kind: 'pull' as const, image: 'registry.lan/b:1', registry: 'registry.lan', node: 'second' };
      await local.store.create({ ...left, status: 'running', createdAt: '2020-01-01T00:00:00.000Z', logTruncated: false });
      await local.service.recover();
      expect(await node.operation(left.id)).toMatchObject({ node: 'second', status: 'lost' });
      expect(await node.operation(second.id)).toMatchObject({ status: 'running' });
      await local.service.close();
      expect(await node.operation(second.id)).toMatchObject({ status: 'lost', error: { code: 'lost' } });
    });
  });
});
