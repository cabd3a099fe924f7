import { DelayedError, UnrecoverableError, WaitingError } from 'bullmq';
import { BuildFailedError } from '../src/errors';
import { SHUTDOWN } from './build-attempt';
import { SECRET_VALUE, TEST_SECRETS, deployHarness, testApp, type DeployHarness } from './testing/deploy-harness';
import { fakeDeployJob } from './testing/fake-release.engine';

async function withLiveRelease(h: DeployHarness, app = testApp()): Promise<void> {
  await h.apps.create(app, TEST_SECRETS);
  const id = await h.queue();
  await h.run(id);
  expect((await h.deployments.get(id))?.status).toBe('succeeded');
}

const statusOf = async (h: DeployHarness, id: string) => (await h.deployments.get(id))?.status;

describe('DeployProcessor: a deployment end to end', () => {
  it('goes through every phase with its time, records the release and routes the domains to it', async () => {
    const h = deployHarness();
    await h.apps.create(testApp(), TEST_SECRETS);
    const id = await h.queue();
    await h.run(id);
    const record = await h.deployments.get(id);
    expect(h.deployments.transitions).toEqual([`${id} starting`, `${id} health_checking`, `${id} switching`, `${id} draining`, `${id} succeeded`]);
    const times = ['queued', 'starting', 'health_checking', 'switching', 'draining', 'succeeded'].map((p) => record?.times[p as 'queued'] ?? '');
    expect(times.every((t) => t !== '')).toBe(true);
    expect([...times].sort()).toEqual(times);
    expect(record).toMatchObject({ release: 1, slot: 'a', imageId: 'sha256:nginx', attempts: 1 });
    expect(await h.releases.get('web', 1)).toMatchObject({ imageId: 'sha256:nginx', image: 'berth-test/nginx:alpine', port: 80, setPortEnv: false, deploymentId: id });
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1, liveSlot: 'a', version: 2 });
    expect(h.routing.routes.get('web')).toEqual({ domains: ['web.example.test'], slot: 'a' });
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
    expect(h.engine.spec('berth-web-r1-1')).toMatchObject({ image: 'sha256:nginx', env: { DATABASE_URL: SECRET_VALUE, MODE: 'production' } });
    expect(h.deployments.claims.has('web')).toBe(false);
  });

  it('builds a git app through the build pipeline, copying its log, and gives PORT=3000 to an image without EXPOSE', async () => {
    const h = deployHarness();
    await h.apps.create(testApp({ source: { type: 'git', build: { git_repo: 'https://git.example.test/shop.git', buildpack_type: 'dockerfile' } } }), TEST_SECRETS);
    const id = await h.queue({ gitCommit: 'abc1234' });
    await h.run(id);
    expect(h.builds.requests).toEqual([
      expect.objectContaining({
        id: `dep-${id}`,
        image_tag: `berth-app/web:${id}`,
        git_commit: 'abc1234',
        env: TEST_SECRETS.buildEnv,
        git_repo: 'https://git.example.test/shop.git',
        fromSeq: 0,
      }),
    ]);
    const record = await h.deployments.get(id);
    expect(record).toMatchObject({ status: 'succeeded', buildId: `dep-${id}`, commit: 'c0ffee', imageId: 'sha256:built' });
    expect(record?.times.building).toBeDefined();
    expect(h.deployments.text(id)).toEqual(expect.arrayContaining(['[build] Step 1/1 : FROM berth-test/node:20', '[build] Successfully built 0123']));
    expect(await h.releases.get('web', 1)).toMatchObject({ port: 3000, setPortEnv: true, commit: 'c0ffee', image: `berth-app/web:${id}` });
    expect(h.engine.spec('berth-web-r1-1')?.env.PORT).toBe('3000');
  });

  it('ends failed with the build error when the build fails, starting nothing', async () => {
    const h = deployHarness();
    await h.apps.create(testApp({ source: { type: 'git', build: { git_repo: 'https://git.example.test/shop.git', buildpack_type: 'dockerfile' } } }), TEST_SECRETS);
    h.builds.outcome = new BuildFailedError('RUN npm ci exited with 1', 'build_failed');
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'failed', error: { code: 'build_failed', message: 'RUN npm ci exited with 1' } });
    expect(h.engine.created).toEqual([]);
    expect(h.routing.routes.size).toBe(0);
  });

  it('switches a second release in the other slot, then drains the old one and stops it gracefully', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const id = await h.queue();
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', release: 2, slot: 'b', previousRelease: 1 });
    const calls = h.routing.calls.filter((c) => !c.startsWith('drain web b 0'));
    expect(calls.slice(-3)).toEqual(['stage web b r2-1,r2-2', 'route web b', 'drain web a 30000']);
    expect(h.engine.stopped).toEqual(['berth-web-r1-1 10', 'berth-web-r1-2 10']);
    expect(h.engine.names()).toEqual(['berth-web-r2-1', 'berth-web-r2-2']);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 2, liveSlot: 'b' });
  });

  it('records the live release even when the app record changes under it (optimistic retry)', async () => {
    const h = deployHarness();
    await h.apps.create(testApp(), TEST_SECRETS);
    let bumps = 2;
    h.apps.beforeUpdate = (name) => {
      const r = h.apps.records.get(name);
      if (r && bumps-- > 0) r.version += 1;
    };
    const id = await h.queue();
    await h.run(id);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1, version: 4 });
  });
});

describe('DeployProcessor: a release that fails its gate', () => {
  it('leaves the live release routed and untouched, keeps the probe results and hides env values in the log', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    h.health.ok = false;
    h.engine.output = [{ stream: 'stderr', text: `cannot connect to ${SECRET_VALUE}` }];
    const id = await h.queue();
    await expect(h.run(id)).rejects.toBeInstanceOf(UnrecoverableError);
    const record = await h.deployments.get(id);
    expect(record).toMatchObject({ status: 'failed', error: { code: 'release_unhealthy' } });
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
    expect(h.routing.routes.get('web')?.slot).toBe('a');
    expect(await h.routing.servers('web', 'b')).toEqual([]);
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
    expect(h.engine.stopped).toEqual([]);
    expect(await h.apps.get('web')).toMatchObject({ liveRelease: 1, liveSlot: 'a' });
    expect(await h.releases.get('web', 2)).toBeUndefined();
    const log = h.deployments.text(id);
    expect(log).toEqual(expect.arrayContaining([expect.stringMatching(/probe 1: HTTP 503/), '[replica 1] | cannot connect to ***', '[berth] release 1 keeps serving']));
    expect(log.join('\n')).not.toContain('Hunter2');
  });
});

describe('DeployProcessor: cancel', () => {
  it('cancels a queued deployment before it starts anything', async () => {
    const h = deployHarness();
    await h.apps.create(testApp(), TEST_SECRETS);
    const id = await h.queue({ cancelRequested: true });
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    expect(h.engine.created).toEqual([]);
  });

  it('cancels the build while building', async () => {
    const h = deployHarness();
    await h.apps.create(testApp({ source: { type: 'git', build: { git_repo: 'https://git.example.test/shop.git', buildpack_type: 'dockerfile' } } }), TEST_SECRETS);
    h.builds.hang = true;
    const id = await h.queue();
    h.deployments.afterTransition = (d, status) => status === 'building' && void h.deployments.requestCancel(d);
    await h.run(id);
    expect(await statusOf(h, id)).toBe('cancelled');
    expect(h.builds.cancelled).toEqual([`dep-${id}`]);
    expect(h.engine.created).toEqual([]);
  });

  it('removes the new containers and staged servers when cancelled during the health check', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    h.health.hang = true;
    const id = await h.queue();
    h.deployments.afterTransition = (d, status) => status === 'health_checking' && void h.deployments.requestCancel(d);
    await h.run(id);
    expect(await statusOf(h, id)).toBe('cancelled');
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
    expect(await h.routing.servers('web', 'b')).toEqual([]);
    expect(h.routing.serving('web')).toEqual(['r1-1', 'r1-2']);
  });

  it('removes staged servers when cancelled after staging, before the switch', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const id = await h.queue();
    h.routing.onCall = (call) => {
      if (call.startsWith('stage web b')) void h.deployments.requestCancel(id);
    };
    const wait = new Promise((r) => setTimeout(r, 30));
    const original = h.routing.stage.bind(h.routing);
    h.routing.stage = async (...args) => {
      await original(...args);
      await wait; // the cancel poll sees the flag meanwhile
    };
    await h.run(id);
    expect(await statusOf(h, id)).toBe('cancelled');
    expect(await h.routing.servers('web', 'b')).toEqual([]);
    expect(h.engine.names()).toEqual(['berth-web-r1-1', 'berth-web-r1-2']);
  });

  it('ignores a cancel once the switch is recorded: the deployment goes forward', async () => {
    const h = deployHarness();
    await withLiveRelease(h);
    const id = await h.queue();
    h.deployments.afterTransition = (d, status) => status === 'switching' && void h.deployments.requestCancel(d);
    const slowRoute = h.routing.route.bind(h.routing);
    h.routing.route = async (...args) => {
      await new Promise((r) => setTimeout(r, 30));
      await slowRoute(...args);
    };
    await h.run(id);
    expect(await statusOf(h, id)).toBe('succeeded');
    expect(h.routing.serving('web')).toEqual(['r2-1', 'r2-2']);
  });
});

describe('DeployProcessor: queueing rules', () => {
  it('skips a superseded deployment without counting an attempt', async () => {
    const h = deployHarness();
    await h.apps.create(testApp(), TEST_SECRETS);
    const first = await h.queue();
    await h.queue();
    await h.run(first);
    expect(await h.deployments.get(first)).toMatchObject({ status: 'superseded', attempts: 0 });
    expect(h.engine.created).toEqual([]);
  });

  it('delays the job by a second while another deployment of the app holds the claim', async () => {
    const h = deployHarness();
    await h.apps.create(testApp(), TEST_SECRETS);
    const running = await h.queue({ status: 'starting' });
    h.deployments.claims.set('web', running);
    const id = await h.queue();
    const job = fakeDeployJob(id);
    const before = Date.now();
    await expect(h.run(id, job)).rejects.toBeInstanceOf(DelayedError);
    expect(job.delayedUntil).toHaveLength(1);
    expect(job.delayedUntil[0]).toBeGreaterThanOrEqual(before + 1000);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'queued', attempts: 0 });
  });

  it('hands the job back on shutdown without failing it, and the next attempt resumes the same build', async () => {
    const h = deployHarness();
    await h.apps.create(testApp({ source: { type: 'git', build: { git_repo: 'https://git.example.test/shop.git', buildpack_type: 'dockerfile' } } }), TEST_SECRETS);
    h.builds.hang = true;
    const id = await h.queue();
    const stop = new AbortController();
    h.builds.onRun = () => stop.abort(SHUTDOWN);
    const job = fakeDeployJob(id);
    await expect(h.run(id, job, stop.signal)).rejects.toBeInstanceOf(WaitingError);
    expect(job.movedToWait).toEqual(['token']);
    expect(await statusOf(h, id)).toBe('building');
    expect(h.builds.cancelled).toEqual([]);
    h.builds.hang = false;
    h.builds.onRun = undefined;
    await h.run(id);
    expect(await h.deployments.get(id)).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(h.builds.requests.map((r) => [r.id, r.fromSeq])).toEqual([
      [`dep-${id}`, 0],
      [`dep-${id}`, 2],
    ]);
  });
});
