import { existsSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import request from 'supertest';
import type { BuildWorker } from '../../workers/worker.composition';
import { startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { binary, tarOf, untar, upload } from '../support/jobs';
import { startTestWorker } from '../support/worker';
import { expectError, parseEvents, poll, readText } from './helpers';

const PYTHON = 'berth-test/debian-python:3.11';
const BUSYBOX = 'berth-test/busybox:latest';

/** Reads the input, proves /app/data is read-only, writes the result to /app/output. */
const WORD_COUNT = `
import json, os
words = open("/app/data/words.txt").read().split()
try:
    open("/app/data/new.txt", "w").write("x")
    data_writable = True
except OSError:
    data_writable = False
os.makedirs("/app/output/sub", exist_ok=True)
json.dump({"words": len(words), "data_writable": data_writable, "cwd": os.getcwd(), "helper": open("lib/helper.txt").read()}, open("/app/output/sub/result.json", "w"))
print("counted", len(words))
`;

describe('jobs', () => {
  let api: TestApi;
  let worker: BuildWorker;
  let git: GitServer;
  let roots: string;
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const ended = (id: string, timeoutMs = 90_000) =>
    poll(
      `job ${id} to end`,
      async () => {
        const r = await get(`/api/v1/jobs/${id}`);
        return ['succeeded', 'failed', 'timeout', 'cancelled'].includes(r.body.status as string) ? (r.body as Record<string, unknown>) : undefined;
      },
      timeoutMs,
    );
  const outputOf = async (id: string) => {
    const res = await get(`/api/v1/jobs/${id}/output`).buffer(true).parse(binary);
    expect(res.status).toBe(200);
    expect(res.headers['content-type']).toBe('application/x-tar');
    return untar(res.body as Buffer);
  };
  const containersOf = (id: string) => api.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.job=${id}`] }) });
  const submit = async (body: Record<string, unknown>) => {
    const res = await post('/api/v1/jobs', body);
    expect(res.status).toBe(202);
    return res.body.id as string;
  };
  const busyboxJob = async (script: string, extra: Record<string, unknown> = {}) =>
    submit({ image: BUSYBOX, main: 'run.sh', source: { upload_id: await upload(api, tarOf({ 'run.sh': script })) }, ...extra });

  beforeAll(async () => {
    git = await startGitServer();
    roots = mkdtempSync(join(tmpdir(), 'berth-job-roots-'));
    api = await startTestApi({
      git: { allowed_hosts: ['127.0.0.1'] },
      jobs: { max_upload_bytes: 256 * 1024, max_output_bytes: 64 * 1024, allowed_roots: [join(roots, 'allowed')] },
    });
    worker = await startTestWorker(api.config);
  });
  afterAll(async () => {
    await worker?.close();
    await api?.close();
    await git?.close();
    rmSync(roots, { recursive: true, force: true });
  });

  it('runs a python job over an uploaded source and input, keeps its log, and serves /app/output as a tar', async () => {
    const source = await upload(api, tarOf({ 'main.py': WORD_COUNT, 'lib/helper.txt': 'helped' }));
    const input = await upload(api, tarOf({ 'words.txt': 'one two three four' }));
    const res = await post('/api/v1/jobs', { image: PYTHON, main: 'main.py', source: { upload_id: source }, input: { upload_id: input } });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ status: 'queued', image: PYTHON, run: ['python', 'main.py'], source: 'upload', input: 'upload', network: 'none' });
    const id = res.body.id as string;
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'succeeded', exit_code: 0, attempts: 1, started_at: expect.any(String), ended_at: expect.any(String) });
    const out = await outputOf(id);
    expect(JSON.parse(readFileSync(join(out, 'sub/result.json'), 'utf8'))).toEqual({ words: 4, data_writable: false, cwd: '/app', helper: 'helped' });
    rmSync(out, { recursive: true, force: true });
    const logs = await get(`/api/v1/jobs/${id}/logs`);
    expect(logs.body.lines.map((l: { text: string }) => l.text)).toContain('counted 4');
    const events = parseEvents((await get(`/api/v1/jobs/${id}/logs?follow=true`).buffer(true).parse(readText)).body as string);
    expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'succeeded' } });
    expect(await containersOf(id)).toEqual([]);
    // Once ended, only the output tar is kept of its files.
    await poll('the uploads of the ended job to go', async () => (existsSync(join(api.config.server.data_dir, 'jobs', id, 'source.tar')) ? undefined : true));
    expect(existsSync(join(api.config.server.data_dir, 'jobs', id, 'input.tar'))).toBe(false);
    expect(existsSync(join(api.config.server.data_dir, 'jobs', id, 'output.tar'))).toBe(true);
    // An upload serves one job only.
    expectError(await post('/api/v1/jobs', { image: PYTHON, main: 'main.py', source: { upload_id: source } }), 400, 'invalid_input', 'source.upload_id');

    expect((await request(api.url).delete(`/api/v1/jobs/${id}`).set(api.auth())).status).toBe(204);
    expectError(await get(`/api/v1/jobs/${id}`), 404, 'not_found');
    expect(existsSync(join(api.config.server.data_dir, 'jobs', id))).toBe(false);
  });

  it('picks the command by the entry file extension and runs a git source', async () => {
    const { url, commit } = git.push(`${api.runId}-job`, { 'tools/go.sh': 'echo "from git" > /app/output/git.txt; echo shell ran\n' });
    const token = `job-token-${api.runId}`;
    const id = await submit({ image: BUSYBOX, main: 'tools/go.sh', source: { git_repo: url, git_credentials: { token } } });
    const done = await ended(id);
    expect(done).toMatchObject({ status: 'succeeded', run: ['sh', 'tools/go.sh'], source: 'git', git_repo: url, commit });
    // The credentials were kept sealed while it ran and are gone with its end; never shown.
    expect(JSON.stringify(done)).not.toContain(token);
    expect(JSON.stringify((await get(`/api/v1/jobs/${id}/logs`)).body)).not.toContain(token);
    const redis = new Redis(api.config.redis.url, { maxRetriesPerRequest: 1 });
    try {
      const hash = await redis.hgetall(`${api.config.redis.prefix}:job:${id}`);
      expect(JSON.stringify(hash)).not.toContain(token);
      expect(hash.secrets).toBeUndefined();
    } finally {
      redis.disconnect();
    }
    const out = await outputOf(id);
    expect(readFileSync(join(out, 'git.txt'), 'utf8')).toBe('from git\n');
    rmSync(out, { recursive: true, force: true });
  });

  it('ends a non-zero exit as failed, and a job past timeout_seconds as timeout, with its container removed', async () => {
    const failed = await ended(await busyboxJob('echo partial > /app/output/p.txt; exit 3\n'));
    expect(failed).toMatchObject({ status: 'failed', exit_code: 3, error: { code: 'exit_code' } });
    const out = await outputOf(failed.id as string);
    expect(readFileSync(join(out, 'p.txt'), 'utf8')).toBe('partial\n');
    rmSync(out, { recursive: true, force: true });

    const id = await busyboxJob('sleep 60\n', { timeout_seconds: 2 });
    expect(await ended(id)).toMatchObject({ status: 'timeout', error: { code: 'timeout' } });
    expect(await containersOf(id)).toEqual([]);
  });

  it('cancels a running job; DELETE is refused while it runs and allowed once it ended', async () => {
    const id = await busyboxJob('echo started; sleep 120\n');
    await poll(
      'job running',
      async () => ((await get(`/api/v1/jobs/${id}/logs`)).body.lines?.some((l: { text: string }) => l.text === 'started') ? true : undefined),
      60_000,
    );
    expectError(await request(api.url).delete(`/api/v1/jobs/${id}`).set(api.auth()), 409, 'state_conflict');
    expectError(await get(`/api/v1/jobs/${id}/output`), 409, 'state_conflict');
    const cancelled = await post(`/api/v1/jobs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect((await ended(id)).status).toBe('cancelled');
    expect(await containersOf(id)).toEqual([]);
    expectError(await post(`/api/v1/jobs/${id}/cancel`), 409, 'state_conflict');
    expect((await request(api.url).delete(`/api/v1/jobs/${id}`).set(api.auth())).status).toBe(204);
  });

  it('stores links of the output as links, never what they point to, and refuses an output past max_output_bytes', async () => {
    const linked = await ended(await busyboxJob('ln -s /etc/hostname /app/output/host; ln -s / /app/output/root; echo ok > /app/output/ok\n'));
    expect(linked.status).toBe('succeeded');
    const out = await outputOf(linked.id as string);
    expect(readlinkSync(join(out, 'host'))).toBe('/etc/hostname');
    expect(readlinkSync(join(out, 'root'))).toBe('/');
    rmSync(out, { recursive: true, force: true });

    // Sparse: 200000 bytes in the tar, next to none on disk, so the tar's own cap is what refuses
    // it (the watch of a running job counts blocks on disk).
    const big = await ended(await busyboxJob('dd if=/dev/zero of=/app/output/big bs=1 count=0 seek=200000\n'));
    expect(big).toMatchObject({ status: 'failed', exit_code: 0, error: { code: 'output_too_large' } });
    expectError(await get(`/api/v1/jobs/${big.id as string}/output`), 409, 'state_conflict');
  });

  it('kills a job that keeps writing into its folders past max_output_bytes, before its timeout', async () => {
    // /app is a host folder like /app/output: the output tar's cap alone would let this run on.
    const script = 'i=0; while true; do head -c 32768 /dev/zero > /app/scratch-$i; i=$((i+1)); sleep 0.2; done\n';
    const id = await busyboxJob(script, { timeout_seconds: 600 });
    const job = await ended(id);
    expect(job).toMatchObject({ status: 'failed', error: { code: 'output_too_large' } });
    expect((job.error as { message: string }).message).toMatch(/more than 65536 bytes into \/app and \/app\/output/);
    expect(await containersOf(id)).toEqual([]);
    expectError(await get(`/api/v1/jobs/${id}/output`), 409, 'state_conflict');
  });

  it('takes host folders only under [jobs] allowed_roots', async () => {
    const allowed = join(roots, 'allowed');
    mkdirSync(join(allowed, 'src'), { recursive: true });
    mkdirSync(join(allowed, 'in'), { recursive: true });
    writeFileSync(join(allowed, 'src', 'run.sh'), 'cat /app/data/in.txt > /app/output/copy.txt\n');
    writeFileSync(join(allowed, 'in', 'in.txt'), 'from the host');
    const id = await submit({ image: BUSYBOX, main: 'run.sh', source: { path: join(allowed, 'src') }, input: { path: join(allowed, 'in') } });
    expect(await ended(id)).toMatchObject({ status: 'succeeded', source: 'path', input: 'path' });
    const out = await outputOf(id);
    expect(readFileSync(join(out, 'copy.txt'), 'utf8')).toBe('from the host');
    rmSync(out, { recursive: true, force: true });

    mkdirSync(join(roots, 'outside'), { recursive: true });
    symlinkSync(join(roots, 'outside'), join(allowed, 'escape'));
    const before = (await get('/api/v1/jobs')).body.total as number;
    for (const path of [join(roots, 'outside'), join(allowed, 'escape'), `${allowed}/../outside`, '/etc', 'relative/path']) {
      expectError(await post('/api/v1/jobs', { image: BUSYBOX, main: 'run.sh', source: { path } }), 400, 'invalid_input', 'source.path');
    }
    expectError(
      await post('/api/v1/jobs', { image: BUSYBOX, main: 'run.sh', source: { path: join(allowed, 'src') }, input: { path: '/etc' } }),
      400,
      'invalid_input',
      'input.path',
    );
    expect((await get('/api/v1/jobs')).body.total).toBe(before);
  });

  it('refuses every bad request with the field named, and starts nothing', async () => {
    const ok = { image: BUSYBOX, main: 'run.sh', source: { upload_id: await upload(api, tarOf({ 'run.sh': 'true\n' })) } };
    const before = (await get('/api/v1/jobs')).body.total as number;
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ ...ok, image: 'Not An Image' }, 'image'],
      [{ ...ok, main: undefined }, 'main'],
      [{ ...ok, main: '../escape.sh' }, 'main'],
      [{ ...ok, main: '/abs.sh' }, 'main'],
      [{ ...ok, main: 'tool.xyz' }, 'run'],
      [{ ...ok, run: 'sh run.sh' }, 'run'],
      [{ ...ok, run: [] }, 'run'],
      [{ ...ok, source: {} }, 'source'],
      [{ ...ok, source: { upload_id: 'nope' } }, 'source.upload_id'],
      [{ ...ok, source: { upload_id: '00000000-0000-4000-8000-000000000000' } }, 'source.upload_id'],
      [{ ...ok, source: { git_repo: 'not a url' } }, 'source.git_repo'],
      [{ ...ok, input: { git_repo: 'https://127.0.0.1/x.git' } }, 'input.git_repo'],
      [{ ...ok, timeout_seconds: 0 }, 'timeout_seconds'],
      [{ ...ok, timeout_seconds: 10 ** 9 }, 'timeout_seconds'],
      [{ ...ok, network: 'host' }, 'network'],
      [{ ...ok, memory: 'lots' }, 'memory'],
      [{ ...ok, cpus: -1 }, 'cpus'],
      [{ ...ok, env: { 'BAD NAME': 'x' } }, 'env.BAD NAME'],
    ];
    for (const [body, field] of cases) {
      const res = await post('/api/v1/jobs', body);
      expect({ field, status: res.status, got: res.body?.error?.field }).toEqual({ field, status: 400, got: field });
    }
    expectError(await post('/api/v1/jobs', { ...ok, image: `${api.runId}/missing:1` }), 404, 'not_found', 'image');
    expect((await get('/api/v1/jobs')).body.total).toBe(before);
    // The upload was not used up by the refused requests.
    const id = await submit(ok);
    expect((await ended(id)).status).toBe('succeeded');

    expectError(await get('/api/v1/jobs/00000000-0000-4000-8000-000000000000'), 404, 'not_found');
    expectError(await get('/api/v1/jobs/not-an-id/output'), 404, 'not_found');
    const tooBig = await request(api.url)
      .post('/api/v1/jobs/uploads')
      .set(api.auth())
      .set('Content-Type', 'application/x-tar')
      .send(Buffer.alloc(300 * 1024));
    expectError(tooBig, 413, 'payload_too_large', 'body');
    const notTar = await request(api.url).post('/api/v1/jobs/uploads').set(api.auth()).set('Content-Type', 'application/x-tar').send(Buffer.from('hello'));
    expectError(notTar, 400, 'invalid_input', 'body');
    expect(await api.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.instance=${api.runId}`] }) })).toEqual([]);
  });
});
