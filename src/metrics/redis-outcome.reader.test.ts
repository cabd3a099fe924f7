import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { validateBuildRequest } from '../builds/build-request';
import { RedisBuildStore } from '../builds/redis-build.store';
import type { DeploymentRecord } from '../deploys/deployment.record';
import { RedisDeploymentStore } from '../deploys/redis-deployment.store';
import { parseOutcomes, RedisOutcomeReader } from './redis-outcome.reader';

// The counting happens in the stores' Lua: it runs against the real Redis, as the stores' own tests do.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

let redis: Redis;
let prefix: string;
let builds: RedisBuildStore;
let deployments: RedisDeploymentStore;
let reader: RedisOutcomeReader;

function spec(id: string) {
  return validateBuildRequest(
    { id, git_repo: 'https://git.example.test/app.git', buildpack_type: 'dockerfile', image_tag: 'app' },
    { allowFileUrls: false, newId: () => id },
  ).spec;
}

function deployment(id: string, extra: Partial<DeploymentRecord> = {}): DeploymentRecord {
  return { id, app: 'web', kind: 'deploy', status: 'queued', trigger: 'api', force: false, times: { queued: new Date().toISOString() }, attempts: 0, ...extra };
}

beforeAll(() => {
  redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
});
beforeEach(() => {
  prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
  builds = new RedisBuildStore(redis, { prefix, logMaxBytes: 10_000, retentionSeconds: 60 });
  deployments = new RedisDeploymentStore(redis, { prefix, logMaxBytes: 200, retentionSeconds: 60 });
  reader = new RedisOutcomeReader(redis, prefix);
});
afterEach(async () => {
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length > 0) await redis.del(...keys);
});
afterAll(() => {
  redis.disconnect();
});

async function endBuild(id: string, started: string, finished: string, status: 'succeeded' | 'failed' = 'succeeded', queued = started) {
  await builds.create(spec(id), queued);
  await builds.transition(id, 'cloning', { cloningAt: started });
  await builds.transition(id, status, { finishedAt: finished });
}

describe('builds and deployments counted when their record ends', () => {
  it('counts an ended build once and observes the time from its first step of work, and its wait before it', async () => {
    await endBuild('b1', '2026-03-01T10:00:00.000Z', '2026-03-01T10:00:42.500Z', 'succeeded', '2026-03-01T09:59:53.000Z');
    // Ending it again is refused by the record, and so not counted again.
    expect(await builds.transition('b1', 'failed', { finishedAt: '2026-03-01T10:05:00.000Z' })).toBe(false);
    const { builds: b } = await reader.read();
    expect(b.ended).toEqual(new Map([['succeeded', 1]]));
    const d = b.durations.get('succeeded');
    expect(d).toMatchObject({ count: 1 });
    expect(d?.sum).toBeCloseTo(42.5, 3);
    expect(d?.buckets.get(30)).toBe(0);
    expect(d?.buckets.get(60)).toBe(1);
    expect(d?.buckets.get(3600)).toBe(1);
    const w = b.waits.get('succeeded');
    expect(w).toMatchObject({ count: 1, sum: 7 });
    expect([w?.buckets.get(5), w?.buckets.get(10)]).toEqual([0, 1]);
  });

  it('reads times across a year end and a leap day', async () => {
    await endBuild('b1', '2026-12-31T23:59:50.000Z', '2027-01-01T00:00:10.500Z');
    await endBuild('b2', '2024-02-28T23:59:59.000Z', '2024-03-01T00:00:01.000Z', 'failed');
    const { builds: b } = await reader.read();
    expect(b.durations.get('succeeded')?.sum).toBeCloseTo(20.5, 3);
    expect(b.durations.get('failed')?.sum).toBeCloseTo(86402, 3);
    expect(b.durations.get('failed')?.buckets.get(3600)).toBe(0);
  });

  it('counts a build cancelled while queued without a duration, and uses Redis time when no end time is given', async () => {
    await builds.create(spec('queued'), new Date().toISOString());
    await builds.transition('queued', 'cancelled');
    await builds.create(spec('running'), new Date().toISOString());
    await builds.transition('running', 'building', { buildingAt: new Date().toISOString() });
    await builds.transition('running', 'cancelled');
    const { builds: b } = await reader.read();
    expect(b.ended.get('cancelled')).toBe(2);
    expect(b.durations.get('cancelled')?.count).toBe(1);
    expect(b.durations.get('cancelled')?.buckets.get(5)).toBe(1);
    expect(b.waits.get('cancelled')?.count).toBe(1);
  });

  it('counts ended deployments by result, superseded ones included', async () => {
    await deployments.create(deployment('d1'));
    await deployments.transition('d1', 'starting');
    await deployments.transition('d1', 'succeeded');
    await deployments.create(deployment('d2'));
    await deployments.create(deployment('d3'));
    const { deployments: d } = await reader.read();
    expect(d.ended).toEqual(
      new Map([
        ['succeeded', 1],
        ['superseded', 1],
      ]),
    );
    expect(d.durations.get('succeeded')).toMatchObject({ count: 1 });
    expect(d.durations.get('succeeded')?.buckets.get(5)).toBe(1);
    expect(d.durations.has('superseded')).toBe(false);
    expect(d.waits.get('succeeded')).toMatchObject({ count: 1 });
    expect(d.waits.has('superseded')).toBe(false);
  });
});

describe('parseOutcomes', () => {
  it('ignores fields of unknown results and bounds', () => {
    const s = parseOutcomes({
      'n:succeeded': '3',
      'n:weird': '1',
      'b:succeeded:7': '1',
      'b:succeeded:60': '2',
      'c:succeeded': '2',
      's:succeeded': '12.5',
      'wc:failed': '1',
      'ws:failed': '4',
      'wb:failed:5': '1',
      'x:failed': '9',
      junk: 'x',
    });
    expect([...s.ended.keys()]).toEqual(['succeeded']);
    expect(s.durations.get('succeeded')).toMatchObject({ count: 2, sum: 12.5 });
    expect(s.durations.get('succeeded')?.buckets.has(7)).toBe(false);
    expect(s.durations.get('succeeded')?.buckets.get(60)).toBe(2);
    expect(s.waits.get('failed')).toMatchObject({ count: 1, sum: 4 });
    expect(s.waits.get('failed')?.buckets.get(5)).toBe(1);
    expect([...s.durations.keys()]).toEqual(['succeeded']);
  });
});
