import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { BuildWorker } from '../../workers/worker.composition';
import { startTestApi, type TestApi } from './api';
import { startGitServer, type GitServer } from './git-server';
import { getVia } from './host-requests';
import { freePort } from './keep-alive-load';
import { startTestWorker } from './worker';

/**
 * Everything a deploy needs, of the test's own: the API with its HAProxy (own ports, directory and
 * socket on 127.0.0.1; the API starts it as in production), an in-process worker, a git server.
 * `close` also stops that HAProxy, which otherwise outlives the API by design.
 */
export interface DeployEnv {
  api: TestApi;
  git: GitServer;
  /** The in-process worker, unless started with `worker: false`. */
  worker?: BuildWorker;
  /** The proxy's HTTP port on 127.0.0.1. */
  httpPort: number;
  httpsPort: number;
  proxyDir: string;
  /** GET through the proxy with `Host: host`. */
  get(host: string, path?: string): Promise<{ status: number; body: string }>;
  /** The HAProxy master's pid (from its pidfile). */
  haproxyPid(): number;
  /** SIGKILLs this environment's HAProxy processes (master and workers), as a crash would. */
  crashHaproxy(): void;
  close(): Promise<void>;
}

export async function startDeployEnv(overrides: Record<string, Record<string, unknown>> = {}, options: { worker?: boolean } = {}): Promise<DeployEnv> {
  const proxyDir = mkdtempSync(join(tmpdir(), 'berth-deploy-'));
  // A test may choose the ports (an ACME test server validates on the HTTP port it was started with).
  const httpPort = Number(overrides.proxy?.http_port ?? (await freePort()));
  const httpsPort = Number(overrides.proxy?.https_port ?? (await freePort()));
  const git = await startGitServer();
  const api = await startTestApi({
    ...overrides,
    proxy: {
      enabled: true,
      bind_address: '127.0.0.1',
      http_port: httpPort,
      https_port: httpsPort,
      admin_socket: join(proxyDir, 'admin.sock'),
      config_dir: proxyDir,
      ...overrides.proxy,
    },
    git: { allowed_hosts: ['127.0.0.1'], ...overrides.git },
    deploy: { drain_seconds: 1, ...overrides.deploy },
  });
  const worker = options.worker === false ? undefined : await startTestWorker(api.config);
  const env: DeployEnv = {
    api,
    git,
    worker,
    httpPort,
    httpsPort,
    proxyDir,
    get: (host, path = '/') => getVia(httpPort, host, path),
    haproxyPid: () => Number(readFileSync(join(proxyDir, 'haproxy.pid'), 'utf8').trim()),
    crashHaproxy: () => {
      for (const pid of haproxyProcesses(proxyDir)) process.kill(pid, 'SIGKILL');
    },
    close: async () => {
      await worker?.close(true).catch(() => undefined);
      await api.close();
      await git.close();
      await stopHaproxy(env);
      rmSync(proxyDir, { recursive: true, force: true });
    },
  };
  await waitForProxy(env);
  return env;
}

/** Waits until the API's HAProxy answers (the unknown host's 404 page). */
async function waitForProxy(env: DeployEnv): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const res = await env.get('nobody.invalid').catch(() => undefined);
    if (res?.status === 404) return;
    if (Date.now() > deadline) throw new Error(`the proxy did not start: ${readLog(env.proxyDir)}`);
    await sleep(100);
  }
}

function readLog(dir: string): string {
  try {
    return readFileSync(join(dir, 'haproxy.log'), 'utf8');
  } catch {
    return '(no log)';
  }
}

async function stopHaproxy(env: DeployEnv): Promise<void> {
  let master: number | undefined;
  try {
    master = env.haproxyPid();
    process.kill(master, 'SIGTERM');
  } catch {
    // no pidfile, or already gone
  }
  for (let i = 0; i < 50 && master !== undefined && alive(master); i++) await sleep(100);
  for (const left of haproxyProcesses(env.proxyDir)) process.kill(left, 'SIGKILL');
}

/** Every haproxy process started on this environment's configuration. */
function haproxyProcesses(dir: string): number[] {
  const pids: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const cmdline = readFileSync(`/proc/${entry}/cmdline`, 'utf8').split('\0');
      if (cmdline[0]?.endsWith('haproxy') && cmdline.includes(join(dir, 'haproxy.cfg')) && alive(Number(entry))) pids.push(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}
