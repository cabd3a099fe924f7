import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { Redis } from 'ioredis';
import { SecretBox } from '../builds/secret-box';
import { AppError } from '../errors';
import { createLogger } from '../logging/logger';
import { JobFiles } from './job-files';
import type { JobQueue } from './job-queue.port';
import { JobService } from './job.service';
import { RedisJobStore } from './redis-job.store';

// The store's scripts run against the real Redis the suite uses; queue and engine are fakes.
const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

function tarBody(): Readable {
  const tar = Buffer.alloc(1024);
  tar.write('ustar', 257, 'latin1');
  return Readable.from([tar]);
}

describe('JobService', () => {
  let redis: Redis;
  let prefix: string;
  let root: string;
  let queued: string[];
  let store: RedisJobStore;
  let service: JobService;
  const queue: JobQueue = {
    enqueue: async (id) => void queued.push(id),
    forget: async () => true,
    removeIfWaiting: async (id) => queued.includes(id),
    close: async () => undefined,
  };
  const engine = { inspectImage: async (ref: string) => (ref === 'present:1' ? {} : Promise.reject(new AppError('not_found', 'no image'))) };

  beforeAll(() => {
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  });
  beforeEach(() => {
    prefix = `berth-unit:${randomBytes(4).toString('hex')}`;
    root = mkdtempSync(join(tmpdir(), 'job-service-'));
    queued = [];
    store = new RedisJobStore(redis, { prefix, logMaxBytes: 10_000, retentionSeconds: 60 });
    const options = {
      defaultTimeoutSeconds: 60,
      maxTimeoutSeconds: 600,
      allowFileUrls: false,
      maxUploadBytes: 4096,
      allowedRoots: [],
      followPollMs: 10,
      cancelWaitMs: 100,
    };
    service = new JobService(
      store,
      queue,
      new JobFiles(join(root, 'jobs')),
      engine,
      SecretBox.fromDataDir(root),
      options,
      createLogger({ level: 'error', format: 'json' }, 'unit'),
    );
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    rmSync(root, { recursive: true, force: true });
  });
  afterAll(() => redis.disconnect());

  it('stores and queues nothing, and keeps the upload, when the image is missing', async () => {
    const { upload_id } = await service.upload(tarBody());
    await expect(service.create({ image: 'missing:1', main: 'm.sh', source: { upload_id } })).rejects.toMatchObject({ code: 'not_found', field: 'image' });
    expect(queued).toEqual([]);
    expect((await service.list(undefined, 10, 0)).total).toBe(0);
    expect(readdirSync(join(root, 'jobs', 'uploads'))).toEqual([`${upload_id}.tar`]);
  });

  it('queues a job, refuses its output and deletion until it ends, and cancels it while queued', async () => {
    const { upload_id } = await service.upload(tarBody());
    const job = await service.create({ image: 'present:1', main: 'm.sh', source: { upload_id } });
    expect(queued).toEqual([job.id]);
    expect(job).toMatchObject({ status: 'queued', run: ['sh', 'm.sh'], attempts: 0 });
    await expect(service.output(job.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await expect(service.remove(job.id)).rejects.toMatchObject({ code: 'state_conflict' });
    expect(await service.cancel(job.id)).toMatchObject({ status: 'cancelled', error: { code: 'cancelled' } });
    await expect(service.output(job.id)).rejects.toMatchObject({ code: 'state_conflict' });
    await service.remove(job.id);
    await expect(service.get(job.id)).rejects.toMatchObject({ code: 'not_found' });
    await expect(service.get('../etc')).rejects.toMatchObject({ code: 'not_found' });
  });

  it('refuses a multipart body and a host path when no roots are allowed', async () => {
    await expect(service.upload(tarBody(), undefined, 'multipart/form-data; boundary=x')).rejects.toMatchObject({ code: 'unsupported_media_type' });
    await expect(service.create({ image: 'present:1', main: 'm.sh', source: { path: '/srv' } })).rejects.toMatchObject({ code: 'invalid_input', field: 'source.path' });
  });
});
