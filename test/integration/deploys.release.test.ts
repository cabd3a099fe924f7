import { randomBytes } from 'node:crypto';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import winston from 'winston';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { ReleaseRunner } from '../../src/deploys/release.runner';
import { DEFAULT_HEALTH_CHECK, type HealthCheck, type ReleaseSpec } from '../../src/deploys/release-spec';
import { ReleaseFailedError } from '../../src/errors';
import { RedisContainerRegistry } from '../../src/redis/redis-container.registry';
import { REDIS_URL, SOCKETS, currentEngine } from '../support/engines';
import { removeLabelled } from '../support/api';
import { httpGet } from './helpers';

const BUSYBOX = 'berth-test/busybox:latest';
const NODE = 'berth-test/node:20';

/** A busybox web server on 8080 serving `text` at `/` (404 elsewhere). */
const httpdServing = (text: string): string[] => ['sh', '-c', `mkdir -p /www && echo "${text}" > /www/index.html && exec httpd -f -p 8080 -h /www`];

describe('release runner: replicas and their health gate', () => {
  const engineName = currentEngine();
  const runId = `t${randomBytes(4).toString('hex')}`;
  const prefix = `berth-test:${runId}`;
  const docker = new Docker({ socketPath: SOCKETS[engineName] });
  const engine = new DockerodeEngine({ socketPath: SOCKETS[engineName], runtime: engineName, timeoutMs: 30_000 });
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  const registry = new RedisContainerRegistry(redis, { prefix, instance: runId });
  const runner = new ReleaseRunner(engine, registry, { instance: runId }, winston.createLogger({ silent: true }));
  let apps = 0;

  const spec = (over: Partial<ReleaseSpec> & { health?: Partial<HealthCheck> } = {}): ReleaseSpec => {
    const { health, ...rest } = over;
    return {
      app: `${runId}-app${(apps += 1)}`,
      release: 1,
      image: BUSYBOX,
      env: {},
      port: 8080,
      setPortEnv: false,
      replicas: 1,
      volumes: {},
      command: httpdServing('hello'),
      ...rest,
      healthCheck: { ...DEFAULT_HEALTH_CHECK, intervalSeconds: 0.2, gateSeconds: 20, ...health },
    };
  };
  const appContainers = async (app: string) => docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.app=${app}`] }) });
  const collect = () => {
    const lines: string[] = [];
    return { lines, log: (line: string) => void lines.push(line) };
  };

  afterAll(async () => {
    await removeLabelled(docker, `berth.instance=${runId}`);
    const { Volumes } = await docker.listVolumes({ filters: JSON.stringify({ label: [`berth.instance=${runId}`] }) });
    await Promise.all(
      (Volumes ?? []).map((v) =>
        docker
          .getVolume(v.Name)
          .remove({ force: true })
          .catch(() => undefined),
      ),
    );
    await redis.del(`${prefix}:containers:${runId}`);
    redis.disconnect();
  });

  it('starts two healthy replicas that answer on 127.0.0.1, recorded and labelled as Berth’s, and stops them', async () => {
    const s = spec({ replicas: 2, release: 3 });
    const { lines, log } = collect();
    const replicas = await runner.start(s, log, new AbortController().signal);

    expect(replicas.map((r) => [r.replica, r.name, r.host])).toEqual([
      [1, `berth-${s.app}-r3-1`, '127.0.0.1'],
      [2, `berth-${s.app}-r3-2`, '127.0.0.1'],
    ]);
    expect(new Set(replicas.map((r) => r.port)).size).toBe(2);
    for (const r of replicas) expect(await httpGet(`http://127.0.0.1:${r.port}/`)).toEqual({ status: 200, body: 'hello\n' });
    expect(lines.filter((l) => / healthy: HTTP 200/.test(l))).toHaveLength(2);
    expect(await registry.recorded(replicas.map((r) => r.containerId))).toEqual(new Set(replicas.map((r) => r.containerId)));

    const info = await docker.getContainer(replicas[0]!.containerId).inspect();
    expect(info.Config.Labels).toEqual(
      expect.objectContaining({ 'berth.managed': 'true', 'berth.instance': runId, 'berth.app': s.app, 'berth.release': '3', 'berth.replica': '1' }),
    );
    expect(info.HostConfig.Init).toBe(true);
    expect(info.HostConfig.RestartPolicy?.Name).toBe('unless-stopped');
    expect(info.NetworkSettings.Ports['8080/tcp']).toEqual([{ HostIp: '127.0.0.1', HostPort: String(replicas[0]!.port) }]);

    await runner.stop(replicas, 5);
    expect(await appContainers(s.app)).toEqual([]);
    expect((await registry.recorded(replicas.map((r) => r.containerId))).size).toBe(0);
  });

  it('fails a release whose health path answers 500: the log has the probe results and the output, no container is left', async () => {
    const server = `require('http').createServer((q, s) => { s.statusCode = q.url === '/health' ? 500 : 200; s.end('x'); })
      .listen(process.env.PORT, () => console.log('listening on ' + process.env.PORT));`;
    const s = spec({ image: NODE, port: 3000, setPortEnv: true, replicas: 2, command: ['node', '-e', server], health: { path: '/health', gateSeconds: 6 } });
    const { lines, log } = collect();

    const failure = runner.start(s, log, new AbortController().signal);
    await expect(failure).rejects.toBeInstanceOf(ReleaseFailedError);
    await expect(failure).rejects.toMatchObject({ code: 'release_unhealthy' });
    expect(lines).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^\[replica 1\] probe \d+: HTTP 500$/),
        expect.stringMatching(/^\[replica 2\] not healthy after 6 s: last probe HTTP 500/),
      ]),
    );
    expect(lines).toContain('[replica 1] | listening on 3000');
    expect(await appContainers(s.app)).toEqual([]);
  });

  it('fails fast, with the last output, when the process exits at once', async () => {
    const s = spec({ command: ['sh', '-c', 'echo "config missing: DATABASE_URL" >&2; exit 3'], health: { gateSeconds: 600 } });
    const { lines, log } = collect();

    // A 600 s gate would outlast the test's timeout: only the exit check can end this in time.
    await expect(runner.start(s, log, new AbortController().signal)).rejects.toMatchObject({ code: 'replica_exited' });
    expect(lines).toContain('[replica 1] | config missing: DATABASE_URL');
    expect(lines.some((l) => /health check failed: replica 1 .*(exited with code 3|restarted \d+ time\(s\)(; exit code 3)?$)/.test(l))).toBe(true);
    expect(await appContainers(s.app)).toEqual([]);
  });

  it('removes every new container when cancelled during the gate', async () => {
    const s = spec({ replicas: 2, command: ['sleep', '3600'], health: { gateSeconds: 600 } });
    const controller = new AbortController();
    const { lines } = collect();
    const log = (line: string) => {
      lines.push(line);
      if (/probe 1: connection/.test(line)) controller.abort(new Error('deployment cancelled'));
    };

    await expect(runner.start(s, log, controller.signal)).rejects.toThrow('deployment cancelled');
    expect(lines.some((l) => /probe 1: connection/.test(l))).toBe(true);
    expect(await appContainers(s.app)).toEqual([]);
  });

  it('keeps a named volume across two releases', async () => {
    const keep = ['sh', '-c', 'mkdir -p /data/www; [ -f /data/www/index.html ] || echo "written by $TAG" > /data/www/index.html; exec httpd -f -p 8080 -h /data/www'];
    const first = spec({ env: { TAG: 'release 1' }, command: keep, volumes: { data: '/data' } });
    const one = await runner.start(first, () => undefined, new AbortController().signal);
    expect((await httpGet(`http://127.0.0.1:${one[0]!.port}/`)).body).toBe('written by release 1\n');
    await runner.stop(one, 5);

    const second = { ...first, release: 2, env: { TAG: 'release 2' } };
    const two = await runner.start(second, () => undefined, new AbortController().signal);
    expect((await httpGet(`http://127.0.0.1:${two[0]!.port}/`)).body).toBe('written by release 1\n');
    const volume = await docker.getVolume(`berth-${first.app}_data`).inspect();
    expect(volume.Labels).toEqual(expect.objectContaining({ 'berth.app': first.app, 'berth.volume': 'data', 'berth.instance': runId }));
    await runner.stop(two, 5);
  });
});
