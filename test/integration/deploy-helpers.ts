import request from 'supertest';
import type { DeployEnv } from '../support/deploy-env';
import { nodeAppFiles } from '../support/node-app';
import { poll } from './helpers';

/** A small Node app: answers its version; with DATA_DIR, records its starts and stops in the volume. */
export const APP_SERVER = `
const http = require('http');
const fs = require('fs');
const version = fs.readFileSync('/app/version.txt', 'utf8').trim();
const data = process.env.DATA_DIR;
const note = (what) => data && fs.appendFileSync(data + '/events', what + ' ' + version + '\\n');
note('start');
const server = http.createServer((req, res) => {
  if (version === 'broken') { res.statusCode = 500; return res.end('broken'); }
  if (req.url === '/events') return res.end(data ? fs.readFileSync(data + '/events', 'utf8') : '');
  if (req.url === '/env') return res.end(String(process.env.GREETING));
  res.end(version);
});
server.keepAliveTimeout = 30000;
server.listen(Number(process.env.PORT || 3000));
process.on('SIGTERM', () => { note('stop'); server.close(() => process.exit(0)); server.closeIdleConnections(); });
`;

/** Its Dockerfile, for tests that change it. */
export { APP_DOCKERFILE } from '../support/node-app';

export function appFiles(version: string): Record<string, string> {
  return nodeAppFiles(APP_SERVER, version);
}

export interface DeploymentBody {
  id: string;
  status: string;
  kind: string;
  release?: number;
  error?: { code: string; message: string };
  reason?: string;
  [key: string]: unknown;
}

export async function createApp(env: DeployEnv, body: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await request(env.api.url).post('/api/v1/apps').set(env.api.auth()).send(body);
  if (res.status !== 201) throw new Error(`create app: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as Record<string, unknown>;
}

export async function deploy(env: DeployEnv, app: string, body: Record<string, unknown> = {}, status = 202): Promise<DeploymentBody> {
  const res = await request(env.api.url).post(`/api/v1/apps/${app}/deployments`).set(env.api.auth()).send(body);
  if (res.status !== status) throw new Error(`deploy ${app}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as DeploymentBody;
}

export async function getDeployment(env: DeployEnv, id: string): Promise<DeploymentBody> {
  const res = await request(env.api.url).get(`/api/v1/deployments/${id}`).set(env.api.auth());
  if (res.status !== 200) throw new Error(`get deployment ${id}: ${res.status} ${JSON.stringify(res.body)}`);
  return res.body as DeploymentBody;
}

export async function deploymentLog(env: DeployEnv, id: string): Promise<string[]> {
  const res = await request(env.api.url).get(`/api/v1/deployments/${id}/logs`).set(env.api.auth());
  return ((res.body as { lines?: Array<{ text: string }> }).lines ?? []).map((l) => l.text);
}

const ENDS = ['succeeded', 'failed', 'cancelled', 'superseded', 'skipped'];

/** Waits until the deployment ends; throws with its log when it ends otherwise than `expected`. */
export async function waitForDeployment(env: DeployEnv, id: string, expected = 'succeeded', timeoutMs = 120_000): Promise<DeploymentBody> {
  const done = await poll(
    `deployment ${id}`,
    async () => {
      const d = await getDeployment(env, id);
      return ENDS.includes(d.status) ? d : undefined;
    },
    timeoutMs,
    250,
  );
  if (done.status !== expected) {
    const log = await deploymentLog(env, id);
    throw new Error(`deployment ${id} ended ${done.status}, not ${expected}: ${JSON.stringify(done.error)}\n${log.join('\n')}`);
  }
  return done;
}

/** Deploys `commit`; resolves once it is live. */
export async function deployCommit(env: DeployEnv, app: string, commit: string): Promise<DeploymentBody> {
  const d = await deploy(env, app, { git_commit: commit });
  return waitForDeployment(env, d.id);
}

/** Pushes `version` as a new commit and deploys it; resolves once it is live. */
export async function pushAndDeploy(env: DeployEnv, app: string, repo: string, version: string): Promise<DeploymentBody> {
  const { commit } = env.git.push(repo, appFiles(version), { append: true });
  return deployCommit(env, app, commit);
}

/** Containers of the app by label, with their release. */
export async function appContainers(env: DeployEnv, app: string): Promise<Array<{ id: string; release: string; state: string }>> {
  const list = await env.api.docker.listContainers({ all: true, filters: JSON.stringify({ label: [`berth.app=${app}`, `berth.instance=${env.api.runId}`] }) });
  return list.map((c) => ({ id: c.Id, release: c.Labels['berth.release'] ?? '', state: c.State }));
}
