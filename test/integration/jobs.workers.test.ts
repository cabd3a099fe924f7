import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import type { BerthConfig } from '../../src/config/config.schema';
import { startTestApi, type TestApi } from '../support/api';
import { binary, tarOf, untar, upload } from '../support/jobs';
import { spawnWorkerProcess } from '../support/worker';
import { poll } from './helpers';

const BUSYBOX = 'berth-test/busybox:latest';

describe('jobs when their worker stops or dies', () => {
  let api: TestApi;
  let roots: string;
  const children: ChildProcess[] = [];
  const spawn = (config: BerthConfig) => {
    const child = spawnWorkerProcess({ ...config, log: { ...config.log, level: 'info' } });
    children.push(child);
    return child;
  };
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const job = async (id: string) => (await get(`/api/v1/jobs/${id}`)).body as Record<string, unknown>;
  const logText = async (id: string) => ((await get(`/api/v1/jobs/${id}/logs`)).body.lines as Array<{ text: string }>).map((l) => l.text);
  const ended = (id: string) => poll(`job ${id} to end`, async () => ((await job(id)).ended_at ? job(id) : undefined), 120_000);
  const containersOf = (id: string) => api.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.job=${id}`] }) });
  const outputFile = async (id: string, name: string) => {
    const res = await get(`/api/v1/jobs/${id}/output`).buffer(true).parse(binary);
    const dir = untar(res.body as Buffer);
    try {
      return readFileSync(join(dir, name), 'utf8');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  /** A job that prints `started`, sleeps as long as the host file `sleep.txt` says, then writes its output. */
  const submit = async () => {
    const script = 'echo started; sleep "$(cat /app/data/sleep.txt)"; echo finished > /app/output/done.txt\n';
    const res = await request(api.url)
      .post('/api/v1/jobs')
      .set(api.auth())
      .send({ image: BUSYBOX, main: 'job.sh', source: { upload_id: await upload(api, tarOf({ 'job.sh': script })) }, input: { path: join(roots, 'in') } });
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const started = (id: string) => poll('the job to start', async () => ((await logText(id)).includes('started') ? true : undefined), 60_000);
  const exited = (child: ChildProcess) =>
    new Promise<number | null>((resolve) =>
      child.exitCode !== null || child.signalCode !== null ? resolve(child.exitCode) : child.once('exit', (code) => resolve(code)),
    );

  beforeEach(async () => {
    roots = mkdtempSync(join(tmpdir(), 'berth-job-workers-'));
    mkdirSync(join(roots, 'in'));
    api = await startTestApi({ build: { lock_seconds: 2 }, jobs: { allowed_roots: [roots] } });
  });
  afterEach(async () => {
    for (const child of children.splice(0)) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
        await exited(child);
      }
    }
    await api.close();
    rmSync(roots, { recursive: true, force: true });
  });

  it('cancels a job no worker has taken yet at once, and it is never run', async () => {
    writeFileSync(join(roots, 'in', 'sleep.txt'), '1');
    const id = await submit();
    expect(await job(id)).toMatchObject({ status: 'queued' });
    const res = await request(api.url).post(`/api/v1/jobs/${id}/cancel`).set(api.auth());
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ status: 'cancelled', attempts: 0, error: { code: 'cancelled' } });
    const worker = spawn(api.config);
    await poll('the worker to be ready', async () => (worker.output().includes('jobs worker ready') ? true : undefined), 30_000);
    expect(await job(id)).toMatchObject({ status: 'cancelled', attempts: 0 });
    expect(await logText(id)).toEqual([]);
    expect((await request(api.url).delete(`/api/v1/jobs/${id}`).set(api.auth())).status).toBe(204);
  }, 120_000);

  it('runs a job again on another worker when its worker is killed, removing the dead attempt container', async () => {
    writeFileSync(join(roots, 'in', 'sleep.txt'), '6');
    const first = spawn(api.config);
    const id = await submit();
    await started(id);
    first.kill('SIGKILL');
    await exited(first);
    // The dead worker's container runs on; the next attempt removes it before it starts its own.
    spawn(api.config);
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'succeeded', exit_code: 0, attempts: 2 });
    expect(await outputFile(id, 'done.txt')).toBe('finished\n');
    expect(await logText(id)).toContain('[berth] attempt 2: taking the job up again');
    expect(await containersOf(id)).toEqual([]);
  }, 240_000);

  it('hands a running job back to the queue on SIGTERM; the next worker runs it', async () => {
    writeFileSync(join(roots, 'in', 'sleep.txt'), '45');
    const first = spawn(api.config);
    const id = await submit();
    await started(id);
    first.kill('SIGTERM');
    expect(await exited(first)).toBe(0);
    expect(await job(id)).toMatchObject({ status: 'queued', attempts: 1 });
    expect(await logText(id)).toContain('[berth] worker stopping: the job goes back to the queue');
    expect(await containersOf(id)).toEqual([]);

    writeFileSync(join(roots, 'in', 'sleep.txt'), '1');
    spawn(api.config);
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'succeeded', attempts: 2 });
    expect(done.error).toBeUndefined();
    expect(await outputFile(id, 'done.txt')).toBe('finished\n');
  }, 240_000);
});
