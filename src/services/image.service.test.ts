import winston from 'winston';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import type { ImageComposition, ImageDetails, ImageEngine } from '../engine/engine.port';
import { matchesLabelFilters } from '../engine/label-filter';
import type { AppRecord } from '../apps/app.record';
import type { ReleaseRecord } from '../deploys/deployment.record';
import { StoreReleaseImages } from '../deploys/release-images';
import { MemoryReleaseStore } from '../deploys/testing/memory-deployment.store';
import { MemoryImageOperationStore } from '../images/testing/memory-image-operation.store';
import { ImageService, type ImageServiceOptions } from './image.service';

/** An in-memory image store: images by id and tag, and a record of every removal. */
class FakeImageEngine implements ImageEngine {
  readonly images: ImageDetails[] = [];
  readonly removed: string[] = [];
  readonly listCalls: string[][] = [];
  /** Ids of images a container uses. */
  readonly inUse = new Set<string>();

  async listImages(options: { labels: string[] }): Promise<ImageDetails[]> {
    this.listCalls.push(options.labels);
    return this.images.filter((i) => matchesLabelFilters(i.labels, options.labels));
  }

  async inspectImage(ref: string): Promise<ImageDetails> {
    const found = this.images.find((i) => i.tags.includes(ref) || i.id === ref || i.id.startsWith(`sha256:${ref}`));
    if (!found) throw new NotFoundError('image', ref, 'image');
    return found;
  }

  async composeImage(ref: string): Promise<ImageComposition> {
    await this.inspectImage(ref);
    return {
      layers: [{ digest: ID('9'), size: 10 }],
      history: [{ created_by: 'ADD rootfs', size: 10 }],
      config: { env: [], exposed_ports: [], labels: {} },
      repoDigests: [],
    };
  }

  async removeImage(ref: string, options: { force: boolean }): Promise<void> {
    const image = await this.inspectImage(ref);
    if (this.inUse.has(image.id) && !options.force) throw new ConflictError('state_conflict', `image "${ref}" is used by a container`);
    this.removed.push(`${ref} force=${options.force}`);
  }
}

const ID = (c: string) => `sha256:${c.repeat(64)}`;
const BUILT = { 'berth.instance': 'default', 'berth.build-id': 'build-1', 'berth.repo': 'https://git.lan/app.git', 'berth.commit': 'abc123' };

function image(id: string, tags: string[], labels: Record<string, string>): ImageDetails {
  return { id, tags, labels, created: '2024-01-01T00:00:00Z', size: 1234 };
}

function release(app: string, number: number, imageId: string): ReleaseRecord {
  return {
    app,
    number,
    deploymentId: `d${number}`,
    imageId,
    image: `berth-app/${app}:${number}`,
    config: {} as ReleaseRecord['config'],
    port: 3000,
    setPortEnv: true,
    createdAt: '2024-01-01T00:00:00Z',
  };
}

function setup(options: Partial<ImageServiceOptions> = {}) {
  const engine = new FakeImageEngine();
  engine.images.push(
    image(ID('a'), ['app:1', 'registry.lan/team/app:1'], BUILT),
    image(ID('b'), ['busybox:latest'], { 'berth.base-image': 'true' }),
    image(ID('c'), ['staging-app:1'], { ...BUILT, 'berth.instance': 'staging' }),
    // Built FROM a Berth image outside Berth: inherits the instance label, not a build id of its own.
    image(ID('d'), ['derived:1'], { 'berth.instance': 'default' }),
  );
  const releases = new MemoryReleaseStore();
  const apps = { list: async () => [{ name: 'web' }, { name: 'api' }] as AppRecord[] };
  const service = new ImageService(
    engine,
    { instance: 'default', manageAll: false, ...options },
    winston.createLogger({ silent: true }),
    new StoreReleaseImages(apps, releases),
  );
  return { engine, service, releases };
}

describe('ImageService', () => {
  describe('list', () => {
    it('shows only the images this instance built, with their build id', async () => {
      const { engine, service } = setup();
      const { images } = await service.list([]);
      expect(images).toEqual([
        { id: ID('a'), tags: ['app:1', 'registry.lan/team/app:1'], created: '2024-01-01T00:00:00Z', size: 1234, labels: BUILT, build_id: 'build-1' },
      ]);
      expect(engine.listCalls).toEqual([['berth.instance=default', 'berth.build-id']]);
    });

    it('adds the client label filters to its own', async () => {
      const { engine, service } = setup();
      expect((await service.list(['berth.commit=nope'])).images).toEqual([]);
      expect(engine.listCalls[0]).toEqual(['berth.instance=default', 'berth.build-id', 'berth.commit=nope']);
    });

    it('with manage_all lists every image, build_id only on those it built', async () => {
      const { engine, service } = setup({ manageAll: true });
      const { images } = await service.list([]);
      expect(images.map((i) => [i.id, i.build_id])).toEqual([
        [ID('a'), 'build-1'],
        [ID('b'), undefined],
        [ID('c'), undefined],
        [ID('d'), undefined],
      ]);
      expect(images[1]).not.toHaveProperty('build_id');
      expect(engine.listCalls).toEqual([[]]);
      expect((await service.list(['berth.base-image'])).images.map((i) => i.id)).toEqual([ID('b')]);
    });
  });

  describe('inspect', () => {
    it.each(['app:1', 'registry.lan/team/app:1', ID('a'), 'a'.repeat(12)])('finds an image it built by %s, with build, repo and commit', async (ref) => {
      const { service } = setup();
      expect(await service.inspect(ref)).toEqual({
        id: ID('a'),
        tags: ['app:1', 'registry.lan/team/app:1'],
        created: '2024-01-01T00:00:00Z',
        size: 1234,
        labels: BUILT,
        build_id: 'build-1',
        repo: 'https://git.lan/app.git',
        commit: 'abc123',
        managed: true,
        repo_digests: [],
        layers: [{ digest: ID('9'), size: 10 }],
        history: [{ created_by: 'ADD rootfs', size: 10 }],
        config: { env: [], exposed_ports: [], labels: {} },
      });
    });

    it('answers not_found without a field for an unknown image', async () => {
      const { service } = setup();
      const err = await service.inspect('nope:1').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect(err).toMatchObject({ code: 'not_found', field: undefined, message: 'image "nope:1" not found' });
    });

    it('with manage_all shows other images without build details', async () => {
      const { service } = setup({ manageAll: true });
      const view = await service.inspect('staging-app:1');
      expect(view).toMatchObject({ id: ID('c'), managed: false });
      expect(view).not.toHaveProperty('build_id');
      expect(view).not.toHaveProperty('repo');
      expect(view).not.toHaveProperty('commit');
    });
  });

  describe('images it pulled', () => {
    it('lists, inspects and removes an image this Berth pulled as its own; others stay hidden', async () => {
      const { engine } = setup();
      const pulled = new MemoryImageOperationStore();
      await pulled.add(ID('b'), 'busybox:latest');
      const service = new ImageService(engine, { instance: 'default', manageAll: false }, winston.createLogger({ silent: true }), undefined, pulled);
      expect((await service.list([])).images.map((i) => i.id)).toEqual([ID('a'), ID('b')]);
      expect(await service.inspect('busybox:latest')).toMatchObject({ id: ID('b'), managed: true, pulled: true });
      await service.remove('busybox:latest', false);
      expect(engine.removed).toEqual(['busybox:latest force=false']);
      await expect(service.inspect('derived:1')).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('images it did not build', () => {
    it.each(['busybox:latest', 'staging-app:1', 'derived:1', 'b'.repeat(12)])('answers not_found for %s and removes nothing', async (ref) => {
      const { engine, service } = setup();
      await expect(service.inspect(ref)).rejects.toThrow(NotFoundError);
      await expect(service.remove(ref, false)).rejects.toThrow(NotFoundError);
      await expect(service.remove(ref, true)).rejects.toThrow(NotFoundError);
      expect(engine.removed).toEqual([]);
    });

    it('removes them with manage_all', async () => {
      const { engine, service } = setup({ manageAll: true });
      await service.remove('busybox:latest', false);
      expect(engine.removed).toEqual(['busybox:latest force=false']);
    });
  });

  describe('references', () => {
    it.each(['../json', 'App:1', 'app:1?x=y', '', 'a b', 'app:1/../../containers', `app:${'x'.repeat(200)}`])(
      'refuses %j with invalid_input on ref before asking the engine',
      async (ref) => {
        const { engine, service } = setup();
        const inspect = jest.spyOn(engine, 'inspectImage');
        for (const call of [() => service.inspect(ref), () => service.remove(ref, true)]) {
          const err = await call().catch((e: unknown) => e);
          expect(err).toBeInstanceOf(ValidationError);
          expect(err).toMatchObject({ code: 'invalid_input', field: 'ref' });
        }
        expect(inspect).not.toHaveBeenCalled();
      },
    );
  });

  describe('remove', () => {
    it('passes the reference and force to the engine', async () => {
      const { engine, service } = setup();
      await service.remove('registry.lan/team/app:1', false);
      await service.remove(ID('a'), true);
      expect(engine.removed).toEqual(['registry.lan/team/app:1 force=false', `${ID('a')} force=true`]);
    });

    it('lets the engine conflict for an image in use through, and removes it with force', async () => {
      const { engine, service } = setup();
      engine.inUse.add(ID('a'));
      await expect(service.remove('app:1', false)).rejects.toMatchObject({ code: 'state_conflict' });
      expect(engine.removed).toEqual([]);
      await service.remove('app:1', true);
      expect(engine.removed).toEqual(['app:1 force=true']);
    });
  });

  describe('images of kept releases', () => {
    it('refuses to remove one, even with force, naming the app and release', async () => {
      const { engine, service, releases } = setup({ manageAll: true });
      await releases.add(release('api', 1, ID('b')), 5);
      await releases.add(release('api', 2, ID('a')), 5);
      for (const [ref, force] of [
        ['app:1', false],
        ['app:1', true],
        [ID('a'), true],
        ['registry.lan/team/app:1', false],
      ] as const) {
        const err = await service.remove(ref, force).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(ConflictError);
        expect(err).toMatchObject({ code: 'state_conflict' });
        expect((err as Error).message).toMatch(/release 2 of app api/);
      }
      await expect(service.remove('busybox:latest', true)).rejects.toMatchObject({ message: expect.stringMatching(/release 1 of app api/) });
      expect(engine.removed).toEqual([]);
    });

    it('removes it once retention dropped the release', async () => {
      const { engine, service, releases } = setup();
      await releases.add(release('web', 1, ID('a')), 1);
      await expect(service.remove('app:1', true)).rejects.toMatchObject({ code: 'state_conflict' });
      await releases.add(release('web', 2, ID('e')), 1);
      await service.remove('app:1', true);
      expect(engine.removed).toEqual(['app:1 force=true']);
    });
  });
});
