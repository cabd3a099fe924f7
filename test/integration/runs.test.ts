import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import request from 'supertest';
import { startTestApi, type TestApi } from '../support/api';
import { expectError, parseEvents, poll, readText } from './helpers';

const BUSYBOX = 'berth-test/busybox:latest';
const PYTHON = 'berth-test/debian-python:3.11';

/** Forks children that wait until it refuses, then kills them: a fork bomb that cleans up. */
const FORK_LOOP = `
import errno, os, signal
children = []
try:
    while len(children) < 2000:
        pid = os.fork()
        if pid == 0:
            signal.pause()
            os._exit(0)
        children.append(pid)
    print("never refused")
except OSError as e:
    print("refused after", len(children), errno.errorcode[e.errno])
for pid in children:
    os.kill(pid, signal.SIGKILL)
`;

describe('one-shot runs', () => {
  let api: TestApi;
  const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
  const get = (path: string) => request(api.url).get(path).set(api.auth());
  /** Runs to its end and answers the ended run. */
  const run = async (body: Record<string, unknown>) => {
    const res = await post('/api/v1/runs?wait=true', { image: BUSYBOX, ...body });
    expect(res.status).toBe(200);
    return res.body as Record<string, unknown>;
  };
  const runContainers = async (id: string) => api.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.run=${id}`] }) });

  beforeAll(async () => {
    api = await startTestApi({ runs: { max_output_bytes: 4096, max_wait_seconds: 60 } });
  });
  afterAll(async () => {
    await api.close();
  });

  it('answers 202 with the accepted run, which then succeeds with its exit code, duration and output', async () => {
    const res = await post('/api/v1/runs', { image: BUSYBOX, command: ['echo', 'hi there'] });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ id: expect.any(String), status: expect.stringMatching(/^(queued|running|succeeded)$/), network: 'none' });
    const id = res.body.id as string;
    const ended = await poll('run ended', async () => {
      const r = await get(`/api/v1/runs/${id}`);
      return r.body.status === 'succeeded' ? r.body : undefined;
    });
    expect(ended).toMatchObject({ exit_code: 0, stdout: 'hi there', stderr: '', stdout_truncated: false, duration_ms: expect.any(Number) });
    expect(await runContainers(id)).toEqual([]);
  });

  it('keeps stdout and stderr apart, reports a non-zero exit code as failed, and never uses a shell', async () => {
    const ended = await run({ command: ['sh', '-c', 'echo out; echo err >&2; exit 3'] });
    expect(ended).toMatchObject({ status: 'failed', exit_code: 3, stdout: 'out', stderr: 'err' });
    const literal = await run({ command: ['echo', '$HOME; rm -rf /'] });
    expect(literal).toMatchObject({ status: 'succeeded', stdout: '$HOME; rm -rf /' });
  });

  it('passes stdin and env', async () => {
    const ended = await run({ command: ['sh', '-c', 'cat; echo "[$GREETING]"'], stdin: 'line one\nline two\n', env: { GREETING: 'hello world' } });
    expect(ended).toMatchObject({ status: 'succeeded', stdout: 'line one\nline two\n[hello world]', env_names: ['GREETING'] });
    const python = await run({ image: PYTHON, command: ['python3', '-c', 'import sys; print(sum(int(x) for x in sys.stdin.read().split()))'], stdin: '1 2 3 4' });
    expect(python).toMatchObject({ status: 'succeeded', stdout: '10' });
  });

  it('ends a run past timeout_seconds as timeout and removes its container', async () => {
    const ended = await run({ command: ['sleep', '60'], timeout_seconds: 1 });
    expect(ended).toMatchObject({ status: 'timeout', error: { code: 'timeout' } });
    expect(ended.exit_code).toBeUndefined();
    expect(await runContainers(ended.id as string)).toEqual([]);
  });

  it('cancels a running run: cancelled, container gone; deleting it then forgets it', async () => {
    const res = await post('/api/v1/runs', { image: BUSYBOX, command: ['sh', '-c', 'echo started; sleep 60'] });
    const id = res.body.id as string;
    await poll('run started', async () => ((await get(`/api/v1/runs/${id}`)).body.stdout === 'started' ? true : undefined));
    expect((await runContainers(id)).length).toBe(1);
    expectError(await request(api.url).delete(`/api/v1/runs/${id}`).set(api.auth()), 409, 'state_conflict');
    const cancelled = await post(`/api/v1/runs/${id}/cancel`);
    expect(cancelled.status).toBe(200);
    expect(cancelled.body).toMatchObject({ status: 'cancelled', stdout: 'started', error: { code: 'cancelled' } });
    expect(await runContainers(id)).toEqual([]);
    expectError(await post(`/api/v1/runs/${id}/cancel`), 409, 'state_conflict');
    expect((await request(api.url).delete(`/api/v1/runs/${id}`).set(api.auth())).status).toBe(204);
    expectError(await get(`/api/v1/runs/${id}`), 404, 'not_found');
  });

  describe('network', () => {
    // The busybox stand-in's wget crashes; Python's client is the one used here.
    const fetch = 'import sys, urllib.request; print(urllib.request.urlopen(sys.argv[1], timeout=5).read().decode(), end="")';
    let server: Server;
    let target: string;
    beforeAll(async () => {
      // Bound to the engine's bridge gateway only: the host's own address that containers route to.
      const network = await api.docker.getNetwork(api.engine === 'podman' ? 'podman' : 'bridge').inspect();
      const gateway = (network as { IPAM: { Config: Array<{ Gateway?: string }> } }).IPAM.Config.find((c) => c.Gateway)?.Gateway as string;
      server = createServer((_req, res) => res.end('host-service'));
      await new Promise<void>((resolve) => server.listen(0, gateway, resolve));
      target = `http://${gateway}:${(server.address() as AddressInfo).port}/`;
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it('has only loopback by default: the host service cannot be reached', async () => {
      const ended = await run({ image: PYTHON, command: ['python3', '-c', fetch, target] });
      expect(ended).toMatchObject({ network: 'none', status: 'failed', stdout: '' });
      expect(ended.stderr).toMatch(/URLError|unreachable/i);
      const links = await run({ command: ['ip', '-o', 'link'] });
      expect((links.stdout as string).split('\n').map((l) => l.split(':')[1]?.trim())).toEqual(['lo']);
    });

    it('with network bridge reaches the same host service', async () => {
      const ended = await run({ image: PYTHON, network: 'bridge', command: ['python3', '-c', fetch, target] });
      expect(ended).toMatchObject({ network: 'bridge', status: 'succeeded', stdout: 'host-service' });
    });
  });

  it('applies the memory limit, the pids limit, no new privileges and no capabilities', async () => {
    const ended = await run({
      memory: '64m',
      cpus: 0.5,
      command: [
        'sh',
        '-c',
        'cat /sys/fs/cgroup/memory.max /sys/fs/cgroup/memory/memory.limit_in_bytes /sys/fs/cgroup/pids.max /sys/fs/cgroup/pids/pids.max 2>/dev/null; grep -E "^(CapEff|NoNewPrivs)" /proc/self/status',
      ],
    });
    expect(ended).toMatchObject({ status: 'succeeded', memory_bytes: 64 * 1024 * 1024, cpus: 0.5 });
    expect((ended.stdout as string).split('\n')).toEqual([String(64 * 1024 * 1024), '256', 'CapEff:\t0000000000000000', 'NoNewPrivs:\t1']);
    const chown = await run({ command: ['chown', '1:1', '/tmp'] });
    expect(chown).toMatchObject({ status: 'failed' });
    const allowed = await run({ command: ['chown', '1:1', '/tmp'], cap_add: ['CHOWN'] });
    expect(allowed).toMatchObject({ status: 'succeeded', cap_add: ['CHOWN'] });
  });

  it('stops a fork loop at the pids limit', async () => {
    const ended = await run({ image: PYTHON, command: ['python3', '-c', FORK_LOOP], timeout_seconds: 30 });
    expect(ended).toMatchObject({ status: 'succeeded', stdout: expect.stringMatching(/^refused after \d+ EAGAIN$/) });
    const forked = Number(/after (\d+)/.exec(ended.stdout as string)?.[1]);
    expect(forked).toBeGreaterThan(100);
    expect(forked).toBeLessThan(256);
  });

  it('caps each stream with a truncation notice and goes on', async () => {
    const ended = await run({ command: ['sh', '-c', 'seq 5000; echo done >&2'] });
    expect(ended).toMatchObject({ status: 'succeeded', stdout_truncated: true, stderr_truncated: false, stderr: 'done' });
    expect(Buffer.byteLength(ended.stdout as string)).toBeLessThanOrEqual(4096);
    expect((ended.stdout as string).startsWith('1\n2\n3\n')).toBe(true);
    expect(ended.truncation_notice).toMatch(/stdout cut at 4096 bytes/);
  });

  it('answers 404 naming an image the engine does not have, and stores nothing', async () => {
    const before = (await get('/api/v1/runs?limit=200')).body.total as number;
    const res = await post('/api/v1/runs', { image: `berth-test/${api.runId}-missing:1`, command: ['true'] });
    expectError(res, 404, 'not_found', 'image');
    expect(res.body.error.message).toContain(`berth-test/${api.runId}-missing:1`);
    expect((await get('/api/v1/runs?limit=200')).body.total).toBe(before);
  });

  it('refuses bad input with 400 naming the field', async () => {
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ command: 'echo hi' }, 'command'],
      [{ command: [] }, 'command'],
      [{ command: ['echo', 1] }, 'command'],
      [{ command: ['true'], env: { 'A B': 'x' } }, 'env.A B'],
      [{ command: ['true'], env: { A: 'x\ny' } }, 'env.A'],
      [{ command: ['true'], timeout_seconds: 0 }, 'timeout_seconds'],
      [{ command: ['true'], timeout_seconds: 99999 }, 'timeout_seconds'],
      [{ command: ['true'], memory: 'lots' }, 'memory'],
      [{ command: ['true'], cpus: -1 }, 'cpus'],
      [{ command: ['true'], network: 'host' }, 'network'],
      [{ command: ['true'], cap_add: ['SYS_ADMIN'] }, 'cap_add'],
      [{ command: ['true'], stdin: 'x'.repeat(600 * 1024) }, 'stdin'],
    ];
    for (const [body, field] of cases) expectError(await post('/api/v1/runs', { image: BUSYBOX, ...body }), 400, 'invalid_input', field);
    expectError(await get('/api/v1/runs/not-a-run'), 404, 'not_found');
    expectError(await get('/api/v1/runs?status=bogus'), 400, 'invalid_input', 'status');
  });

  it('lists runs newest first and gives the output as lines with their stream, or as SSE', async () => {
    const res = await post('/api/v1/runs', { image: BUSYBOX, command: ['sh', '-c', 'echo one; sleep 2; echo two >&2'] });
    const id = res.body.id as string;
    const followed = await get(`/api/v1/runs/${id}/logs?follow=true`).buffer(true).parse(readText);
    expect(followed.headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseEvents(followed.body as string);
    expect(events.filter((e) => e.event === 'log').map((e) => e.data)).toEqual([
      expect.objectContaining({ seq: 0, stream: 'stdout', text: 'one' }),
      expect.objectContaining({ seq: 1, stream: 'stderr', text: 'two' }),
    ]);
    expect(events.at(-1)).toEqual({ event: 'end', data: { status: 'succeeded' } });

    const logs = await get(`/api/v1/runs/${id}/logs`);
    expect(logs.body).toMatchObject({
      run_id: id,
      status: 'succeeded',
      lines: [
        { stream: 'stdout', text: 'one' },
        { stream: 'stderr', text: 'two' },
      ],
    });
    const list = await get('/api/v1/runs?limit=1');
    expect(list.body).toMatchObject({ limit: 1, offset: 0, runs: [{ id, status: 'succeeded' }] });
    expect(list.body.total).toBeGreaterThan(1);
  });
});
