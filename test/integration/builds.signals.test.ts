import request from 'supertest';
import { DockerodeEngine } from '../../src/engine/dockerode.engine';
import { DEFAULT_HEALTH_CHECK, replicaContainerSpec, type ReleaseSpec } from '../../src/deploys/release-spec';
import { removeLabelled, startTestApi, type TestApi } from '../support/api';
import { startGitServer, type GitServer } from '../support/git-server';
import { startTestWorker } from '../support/worker';
import type { BuildWorker } from '../../workers/worker.composition';
import { expectError, freePort, uniqueName, waitForHttp } from './helpers';
import { closeBuildApi, closeWorkers, removeBuildStages, submitBuild, waitForBuild } from './build-helpers';

/** The engine's stop timeout in these tests: a stop that used it up would end with SIGKILL, 137. */
const STOP_SECONDS = 30;
/** 128 + SIGTERM: the app was ended by the signal `stop` sends, as a program without a handler is. */
const ENDED_BY_SIGTERM = 143;
const PACKAGE_MANAGER_ERROR = /npm (ERR!|error)/;

/**
 * A Node app with no signal handler (unless HANDLE_SIGTERM is set), started by an npm start
 * script. It answers with what it can see of its process: its parent and PID 1's command line.
 */
const SERVER = `const http = require('http');
const fs = require('fs');
const cmdline = (pid) => fs.readFileSync('/proc/' + pid + '/cmdline', 'utf8').split('\\0').filter(Boolean);
const server = http.createServer((req, res) => res.end(JSON.stringify({ ppid: process.ppid, argv: process.argv.slice(1), pid1: cmdline(1) })));
server.listen(Number(process.env.PORT || 3000), () => console.log('listening'));
if (process.env.HANDLE_SIGTERM) process.on('SIGTERM', () => { console.log('closing on SIGTERM'); server.close(() => process.exit(0)); });
`;
const APP = {
  'package.json': JSON.stringify({ name: 'signals-app', scripts: { start: 'node server.js' } }),
  'server.js': SERVER,
};

interface Seen {
  ppid: number;
  argv: string[];
  pid1: string[];
}

/** The app is the init's child, itself, not a shell's or npm's. */
function expectRunByInit(seen: Seen): void {
  expect(seen.ppid).toBe(1);
  expect(seen.argv).toEqual(['/app/server.js']);
  expect(seen.pid1[0]).toMatch(/(docker-init|podman-init|catatonit)$/);
}

describe('builds: a nixpacks Node app stops cleanly, as the app process under an init', () => {
  let api: TestApi;
  let git: GitServer;
  let engine: DockerodeEngine;
  let image: string;
  const workers: BuildWorker[] = [];

  beforeAll(async () => {
    api = await startTestApi({ git: { allowed_hosts: ['127.0.0.1'] }, containers: { stop_timeout_seconds: STOP_SECONDS } });
    git = await startGitServer();
    workers.push(await startTestWorker(api.config));
    engine = new DockerodeEngine({ socketPath: api.socketPath, runtime: api.engine, timeoutMs: 60_000 });
    const { url } = git.push(`${api.runId}-signals`, APP);
    image = `berth-it-${api.runId}-signals:1`;
    const { id } = await submitBuild(api, { git_repo: url, buildpack_type: 'nixpacks', image_tag: image });
    expect(await waitForBuild(api, id, ['succeeded', 'failed', 'cancelled'])).toMatchObject({
      status: 'succeeded',
      plan: { start: 'npm start', startShell: 'PATH=/app/node_modules/.bin:$PATH; exec node server.js' },
    });
  }, 180_000);
  afterAll(async () => {
    await closeWorkers(workers);
    await removeLabelled(api.docker, `berth.instance=${api.runId}`);
    await removeBuildStages(api);
    await closeBuildApi(api);
    await git.close();
  });

  let replicas = 0;

  /** Starts a replica of `image` as a deployment does, and answers once it serves. */
  async function startReplica(env: Record<string, string>, of = image): Promise<{ id: string; body: string }> {
    const release: ReleaseSpec = {
      app: `${api.runId}-signals`,
      release: 1,
      image: of,
      env,
      port: 3000,
      setPortEnv: true,
      replicas: 1,
      volumes: {},
      healthCheck: DEFAULT_HEALTH_CHECK,
    };
    const { id } = await engine.createContainer(replicaContainerSpec(release, (replicas += 1), api.runId));
    await engine.startContainer(id);
    const port = (await engine.inspectContainer(id)).ports.find((p) => p.containerPort === 3000)?.hostPort;
    const { body } = await waitForHttp(`http://127.0.0.1:${port}/`, 30_000);
    return { id, body };
  }

  async function replicaLog(id: string): Promise<string> {
    return (await api.docker.getContainer(id).logs({ stdout: true, stderr: true, follow: false })).toString('utf8');
  }

  it('an app replica: SIGTERM ends the app at once (143, not SIGKILL’s 137), with no npm error lines', async () => {
    const { id, body } = await startReplica({});
    expectRunByInit(JSON.parse(body) as Seen);

    await engine.stopContainer(id, STOP_SECONDS);
    expect((await engine.inspectContainer(id)).state).toMatchObject({ running: false, exitCode: ENDED_BY_SIGTERM });
    const log = await replicaLog(id);
    expect(log).toContain('listening');
    expect(log).not.toMatch(PACKAGE_MANAGER_ERROR);
  }, 120_000);

  it('an app replica whose app handles SIGTERM gets it itself and exits 0', async () => {
    const { id, body } = await startReplica({ HANDLE_SIGTERM: '1' });
    expectRunByInit(JSON.parse(body) as Seen);

    await engine.stopContainer(id, STOP_SECONDS);
    expect((await engine.inspectContainer(id)).state).toMatchObject({ running: false, exitCode: 0 });
    expect(await replicaLog(id)).toContain('closing on SIGTERM');
  }, 120_000);

  it('a static site replica: nginx, exec-ed by its entrypoint, ends at SIGTERM with exit code 0', async () => {
    const { url } = git.push(`${api.runId}-static`, { 'index.html': '<h1>static signals</h1>\n' });
    const tag = `berth-it-${api.runId}-static:1`;
    const { id: build } = await submitBuild(api, { git_repo: url, buildpack_type: 'nixpacks', image_tag: tag });
    expect(await waitForBuild(api, build, ['succeeded', 'failed', 'cancelled'])).toMatchObject({ status: 'succeeded' });
    const { id, body } = await startReplica({}, tag);
    expect(body).toBe('<h1>static signals</h1>\n');

    await engine.stopContainer(id, STOP_SECONDS);
    expect((await engine.inspectContainer(id)).state).toMatchObject({ running: false, exitCode: 0 });
  }, 120_000);

  it('a container of the containers API with "init": true stops the same way', async () => {
    const post = (path: string, body?: object) => request(api.url).post(path).set(api.auth()).send(body);
    expectError(await post('/api/v1/containers', { image, init: 'yes' }), 400, 'invalid_input', 'init');
    const hostPort = await freePort();
    const created = await post('/api/v1/containers', { image, name: uniqueName(api, 'signals'), init: true, ports: { [String(hostPort)]: '3000' } });
    expect(created.status).toBe(201);
    expect((await post(`/api/v1/containers/${created.body.id}/start`)).status).toBe(200);
    expectRunByInit(JSON.parse((await waitForHttp(`http://127.0.0.1:${hostPort}/`, 30_000)).body) as Seen);

    expect((await post(`/api/v1/containers/${created.body.id}/stop`)).status).toBe(200);
    const view = await request(api.url).get(`/api/v1/containers/${created.body.id}`).set(api.auth());
    expect(view.body.state).toMatchObject({ running: false, exit_code: ENDED_BY_SIGTERM });
    const logs = await request(api.url).get(`/api/v1/containers/${created.body.id}/logs`).set(api.auth());
    const lines = (logs.body.lines as Array<{ text: string }>).map((line) => line.text);
    expect(lines).toContain('listening');
    expect(lines.filter((line) => PACKAGE_MANAGER_ERROR.test(line))).toEqual([]);
  }, 120_000);
});
