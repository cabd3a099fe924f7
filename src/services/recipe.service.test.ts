import { randomBytes } from 'node:crypto';
import winston from 'winston';
import { NotFoundError, ValidationError } from '../errors';
import { validateBuildRequest } from '../builds/build-request';
import { SecretBox } from '../builds/secret-box';
import { MemoryBuildStore } from '../builds/testing/memory-build.store';
import type { BuildQueue } from '../queue/build-queue.port';
import { BuildService } from './build.service';
import { RecipeService } from './recipe.service';

function setUp() {
  const store = new MemoryBuildStore();
  const queued: string[] = [];
  const queue: BuildQueue = {
    enqueue: async (id) => void queued.push(id),
    forget: async () => true,
    removeIfWaiting: async () => false,
    close: async () => undefined,
  };
  const builds = new BuildService(
    store,
    queue,
    { allowFileUrls: false, allowedHosts: [], followPollMs: 5, secretBox: new SecretBox(randomBytes(32)) },
    winston.createLogger({ silent: true }),
  );
  return { store, queued, builds, recipes: new RecipeService(builds) };
}

const body = { id: 'r1', name: 'tools:1', base_image: 'debian:bookworm', apt_install: ['jq'] };

describe('RecipeService', () => {
  it('queues a recipe as a build and answers the polling view: queued, then running, then exited with lines', async () => {
    const { store, queued, builds, recipes } = setUp();
    const { created, recipe } = await recipes.submit(body);
    expect(created).toBe(true);
    expect(queued).toEqual(['r1']);
    expect(recipe).toEqual({
      id: 'r1',
      status: 'queued',
      state: 'queued',
      name: 'tools:1',
      base_image: 'debian:bookworm',
      lines: [],
      truncated: false,
      links: { build: '/api/v1/builds/r1', logs: '/api/v1/builds/r1/logs', cancel: '/api/v1/builds/r1/cancel' },
    });
    expect((await builds.get('r1')).buildpack_type).toBe('recipe');

    await store.transition('r1', 'building', { plan: { buildpack: 'recipe', dockerfile: 'FROM debian:bookworm\n' } });
    await store.appendLog('r1', [{ time: new Date().toISOString(), text: 'Step 1/2 : FROM debian:bookworm' }]);
    expect(await recipes.get('r1')).toMatchObject({
      status: 'building',
      state: 'running',
      dockerfile: 'FROM debian:bookworm\n',
      lines: [{ seq: 0, text: 'Step 1/2 : FROM debian:bookworm' }],
    });
    expect((await recipes.get('r1')).exit_code).toBeUndefined();

    await store.transition('r1', 'succeeded', { images: [{ tag: 'tools:1', id: 'sha256:abc' }] });
    expect(await recipes.get('r1')).toMatchObject({ status: 'succeeded', state: 'exited', exit_code: 0, image_id: 'sha256:abc' });
  });

  it.each(['failed', 'cancelled'] as const)('shows a %s build as exited with exit code 1 and its error', async (status) => {
    const { store, recipes } = setUp();
    await recipes.submit(body);
    await store.transition('r1', status, { error: { code: status, message: 'why' } });
    expect(await recipes.get('r1')).toMatchObject({ status, state: 'exited', exit_code: 1, error: { code: status, message: 'why' } });
  });

  it('returns the existing build for a resubmitted id and queues nothing more', async () => {
    const { store, queued, recipes } = setUp();
    await recipes.submit(body);
    await store.transition('r1', 'building');
    expect((await recipes.submit(body)).created).toBe(false);
    expect(queued).toEqual(['r1']);
  });

  it('refuses a bad entry before anything is stored, and answers 404 for a build that is not a recipe', async () => {
    const { store, builds, recipes } = setUp();
    await expect(recipes.submit({ ...body, pip_install: ['-r', 'x'] })).rejects.toThrow(ValidationError);
    expect(await store.get('r1')).toBeUndefined();
    const git = validateBuildRequest(
      { id: 'g1', git_repo: 'https://git.example.test/team/app.git', buildpack_type: 'dockerfile', image_tag: 'app' },
      { allowFileUrls: false, newId: () => 'g1' },
    );
    await store.create(git.spec, new Date().toISOString());
    expect((await builds.get('g1')).status).toBe('queued');
    await expect(recipes.get('g1')).rejects.toThrow(NotFoundError);
    await expect(recipes.get('nope')).rejects.toThrow(NotFoundError);
  });
});
