import { request as httpRequest, type IncomingHttpHeaders } from 'node:http';
import { Redis } from 'ioredis';
import request from 'supertest';
import winston from 'winston';
import type { AppRecord, AppStore } from '../../src/apps/app.record';
import { timeKey } from '../../src/apps/app-logs';
import type { DeploymentRecord, DeploymentStore, ReleaseRecord, ReleaseStore } from '../../src/deploys/deployment.record';
import type { Replica } from '../../src/deploys/health-gate';
import { ReleaseRunner } from '../../src/deploys/release.runner';
import { DEFAULT_HEALTH_CHECK, type ReleaseSpec } from '../../src/deploys/release-spec';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import type { AppLogLine, AppStatusView } from '../../src/models/app-runtime.model';
import type { AppRouting, RoutedServer, Slot } from '../../src/proxy/app-routing.port';
import { RedisContainerRegistry } from '../../src/redis/redis-container.registry';
import { startTestApi, type TestApi } from '../support/api';
import { REDIS_URL } from '../support/engines';
import { expectError, httpGet, parseEvents, poll } from './helpers';

/** A GET whose body can be read while it still streams. */
function openStream(url: string, headers: Record<string, string>) {
  let body = '';
  const done = new Promise<{ headers: IncomingHttpHeaders; body: string }>((resolve, reject) => {
    const req = httpRequest(url, { headers }, (res) => {
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ headers: res.headers, body }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
  return { text: () => body, done };
}

/**
 * The app runtime routes against a real engine, real Redis and a release started by the real
 * ReleaseRunner. The app, deployment and release stores and the proxy routing are in-memory
 * stand-ins here: their Redis and HAProxy versions have tests of their own.
 */

/** The stores' and routing's in-memory stand-ins: only what the runtime routes use is real. */
function memoryPorts() {
  const records = new Map<string, AppRecord>();
  const releases = new Map<string, ReleaseRecord>();
  const active: DeploymentRecord[] = [];
  const calls: string[] = [];
  const apps = {
    get: async (name: string) => records.get(name),
    update: async (next: AppRecord, expected: number) => {
      if (records.get(next.name)?.version !== expected) return false;
      records.set(next.name, next);
      return true;
    },
  } as Partial<AppStore> as AppStore;
  const deployments = { active: async () => active } as Partial<DeploymentStore> as DeploymentStore;
  const releaseStore = { get: async (app: string, n: number) => releases.get(`${app}:${n}`) } as Partial<ReleaseStore> as ReleaseStore;
  const routing = {
    unroute: async (app: string) => void calls.push(`unroute ${app}`),
    route: async (app: string, domains: readonly string[], slot: Slot) => void calls.push(`route ${app} ${domains.join(',')} ${slot}`),
    stage: async (app: string, slot: Slot, servers: readonly RoutedServer[]) =>
      void calls.push(`stage ${app} ${slot} ${servers.map((s) => `${s.name}@${s.address}`).join(',')}`),
    drainSlot: async (app: string, slot: Slot, ms: number) => void calls.push(`drain ${app} ${slot} ${ms}`),
    servers: async () => [],
  } as Partial<AppRouting> as AppRouting;
  return { records, releases, active, calls, ports: { apps, deployments, releases: releaseStore, routing } };
}

describe('app runtime: status, logs, stop and start of a real release', () => {
  const mem = memoryPorts();
  let api: TestApi;
  let redis: Redis;
  let app: string;
  let replicas: Replica[];

  const get = (path: string) => request(api.url).get(path).set(api.auth());
  const post = (path: string) => request(api.url).post(path).set(api.auth());
  const status = async () => (await get(`/api/v1/apps/${app}/status`).expect(200)).body as AppStatusView;
  const hostnameOf = async (id: string) => (await api.docker.getContainer(id).inspect()).Config.Hostname;

  beforeAll(async () => {
    api = await startTestApi({}, mem.ports);
    redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
    app = `${api.runId}-web`;
    const registry = new RedisContainerRegistry(redis, { prefix: api.config.redis.prefix, instance: api.config.server.instance });
    const engine = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 30_000 });
    const runner = new ReleaseRunner(engine, registry, { instance: api.config.server.instance }, winston.createLogger({ silent: true }));
    const healthCheck = { ...DEFAULT_HEALTH_CHECK, intervalSeconds: 0.2, gateSeconds: 20 };
    const spec: ReleaseSpec = {
      app,
      release: 1,
      image: 'berth-test/busybox:latest',
      env: {},
      port: 8080,
      setPortEnv: false,
      replicas: 2,
      volumes: {},
      healthCheck,
      command: ['sh', '-c', 'echo "hello from $(hostname)"; echo "to stderr" >&2; mkdir -p /www && echo ok > /www/index.html && exec httpd -f -p 8080 -h /www'],
    };
    replicas = await runner.start(spec, () => undefined, new AbortController().signal);
    const config = { replicas: 2, volumes: {}, healthCheck, strategy: 'start-first' as const, drainSeconds: 2, envNames: [], secretsVersion: 1, port: 8080 };
    const now = new Date().toISOString();
    mem.records.set(app, {
      name: app,
      source: { type: 'image', image: spec.image },
      config,
      domains: [`${app}.test`],
      buildEnvNames: [],
      hasCredentials: false,
      createdAt: now,
      updatedAt: now,
      version: 1,
      liveRelease: 1,
      liveSlot: 'a',
    });
    mem.releases.set(`${app}:1`, { app, number: 1, deploymentId: 'd1', imageId: spec.image, image: spec.image, config, port: 8080, setPortEnv: false, createdAt: now });
  });

  afterAll(async () => {
    redis?.disconnect();
    await api?.close();
  });

  it('shows a running app with each replica, its address and health', async () => {
    const view = await status();
    expect(view).toMatchObject({ app, status: 'running', live_release: 1 });
    expect(view.replicas.map((r) => [r.replica, r.release, r.live, r.state, r.restarts, r.health])).toEqual([
      [1, 1, true, 'running', 0, 'healthy'],
      [2, 1, true, 'running', 0, 'healthy'],
    ]);
    expect(view.replicas.map((r) => r.address)).toEqual(replicas.map((r) => `127.0.0.1:${r.port}`));
  });

  it('gives every replica’s output, each line tagged with its replica, merged by time', async () => {
    const logs = await poll('both replicas’ output', async () => {
      const body = (await get(`/api/v1/apps/${app}/logs`).expect(200)).body as { lines: AppLogLine[]; truncated: boolean; release: number };
      return body.lines.length >= 4 ? body : undefined;
    });
    expect(logs).toMatchObject({ release: 1, truncated: false });
    for (const r of replicas) {
      // stdout and stderr are read apart by the engine: their order between them is the engine's times'.
      const own = logs.lines.filter((l) => l.replica === r.replica).map((l) => `${l.stream} ${l.text}`);
      expect(own.sort()).toEqual([`stderr to stderr`, `stdout hello from ${await hostnameOf(r.containerId)}`]);
    }
    const keys = logs.lines.map((l) => timeKey(l.time));
    expect(keys.every((k, i) => !Number.isNaN(k) && (i === 0 || k >= keys[i - 1]!))).toBe(true);
    const last = (await get(`/api/v1/apps/${app}/logs?tail=1`).expect(200)).body.lines as AppLogLine[];
    expect(last).toHaveLength(1);
    expect(logs.lines).toContainEqual(last[0]);
    expectError(await get(`/api/v1/apps/${app}/logs?since=soon`), 400, 'invalid_input', 'since');
    expectError(await get('/api/v1/apps/no-such-app/logs'), 404, 'not_found');
  });

  it('says degraded while a replica the engine restarted after a crash counts as recent', async () => {
    const exec = await api.docker.getContainer(replicas[0]!.containerId).exec({ Cmd: ['kill', '1'] });
    // Detached or not, the engine answers on a hijacked connection: close it, or it keeps the test process alive.
    const started: unknown = await exec.start({ Detach: true });
    (started as { destroy?: () => void } | undefined)?.destroy?.();
    const view = await poll('the engine to restart replica 1', async () => {
      const v = await status();
      return v.replicas[0]!.restarts >= 1 && v.replicas[0]!.state === 'running' ? v : undefined;
    });
    expect(view.status).toBe('degraded');
    expect(view.replicas[1]).toMatchObject({ state: 'running', restarts: 0 });
  });

  it('says degraded, then crashed, as replicas go down', async () => {
    await api.docker.getContainer(replicas[1]!.containerId).stop({ t: 0 });
    const degraded = await status();
    expect(degraded.status).toBe('degraded');
    expect(degraded.replicas.map((r) => r.state)).toEqual(['running', 'exited']);
    await api.docker.getContainer(replicas[0]!.containerId).stop({ t: 0 });
    expect((await status()).status).toBe('crashed');
    // Not stopped on purpose: start leaves a crashed app to a restart deployment.
    expect((await post(`/api/v1/apps/${app}/start`).expect(200)).body).toEqual({ app, status: 'crashed', changed: false });
  });

  it('stops and starts the app: replicas, record and routes round trip', async () => {
    expect((await post(`/api/v1/apps/${app}/stop`).expect(200)).body).toEqual({ app, status: 'stopped', changed: true });
    expect((await post(`/api/v1/apps/${app}/stop`).expect(200)).body).toEqual({ app, status: 'stopped', changed: false });
    expect(mem.records.get(app)?.stopped).toBe(true);
    expect(mem.calls).toEqual([`unroute ${app}`, `drain ${app} a 2000`, `unroute ${app}`, `drain ${app} a 2000`]);
    expect((await status()).status).toBe('stopped');
    mem.calls.length = 0;

    expect((await post(`/api/v1/apps/${app}/start`).expect(200)).body).toEqual({ app, status: 'running', changed: true });
    const view = await status();
    expect(view.status).toBe('running');
    const addresses = view.replicas.map((r) => r.address ?? '');
    expect(mem.calls).toEqual([`stage ${app} a r1-1@${addresses[0]},r1-2@${addresses[1]}`, `route ${app} ${app}.test a`]);
    for (const address of addresses) expect(await httpGet(`http://${address}/`)).toEqual({ status: 200, body: 'ok\n' });
    expect(mem.records.get(app)?.stopped).toBeUndefined();
    expect((await post(`/api/v1/apps/${app}/start`).expect(200)).body).toEqual({ app, status: 'running', changed: false });
  });

  it('follows the replicas’ output as SSE while they run, and ends once the app is stopped', async () => {
    const stream = openStream(`${api.url}/api/v1/apps/${app}/logs?tail=2`, { ...api.auth(), Accept: 'text/event-stream' });
    // Both replicas' lines arrive while they run: the streams are open before the stop.
    await poll('lines of both replicas', async () => (/"replica":1/.test(stream.text()) && /"replica":2/.test(stream.text()) ? true : undefined));
    expect(stream.text()).not.toMatch(/event: end/);
    await post(`/api/v1/apps/${app}/stop`).expect(200);
    const { headers, body } = await stream.done;
    expect(headers['content-type']).toMatch(/^text\/event-stream/);
    const events = parseEvents(body);
    const logs = events.filter((e) => e.event === 'log').map((e) => e.data as AppLogLine);
    expect(
      logs
        .filter((l) => l.replica === 1)
        .map((l) => l.text)
        .sort(),
    ).toEqual([`hello from ${await hostnameOf(replicas[0]!.containerId)}`, 'to stderr']);
    expect(events[events.length - 1]).toEqual({
      event: 'end',
      data: { replicas: [expect.objectContaining({ replica: 1, state: 'exited' }), expect.objectContaining({ replica: 2, state: 'exited' })] },
    });
  });

  it('refuses stop and start while a deployment runs; an unknown app is 404', async () => {
    mem.active.push({ id: 'dep-1', app, status: 'health_checking' } as DeploymentRecord);
    expectError(await post(`/api/v1/apps/${app}/start`), 409, 'state_conflict');
    expectError(await post(`/api/v1/apps/${app}/stop`), 409, 'state_conflict');
    expect((await status()).status).toBe('stopped');
    mem.active.length = 0;
    expectError(await post('/api/v1/apps/no-such-app/stop'), 404, 'not_found');
    expectError(await get('/api/v1/apps/no-such-app/status'), 404, 'not_found');
  });
});
