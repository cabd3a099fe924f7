import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import type { TlsFiles } from './tls-certs';

/**
 * A dockerd of the test's own beside the machine's: its own socket, data-root, exec-root,
 * pidfile, config file and bridge. The bridge is made here and given with `--iptables=false`:
 * a second daemon started with `--bridge=none` deletes the first daemon's docker0.
 */
export interface TestDockerd {
  socketPath: string;
  /** `tcp://127.0.0.1:PORT` when started with TLS. */
  tcp?: string;
  docker: Docker;
  /** Stops the daemon (SIGTERM, waits for its exit); `start` brings it back with the same state. */
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops it and removes its bridge and directories. */
  remove(): Promise<void>;
}

export async function startDockerd(options: { tls?: { port: number; files: TlsFiles } } = {}): Promise<TestDockerd> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-dockerd-'));
  for (const sub of ['data', 'exec']) mkdirSync(join(dir, sub));
  writeFileSync(join(dir, 'daemon.json'), '{}\n');
  const bridge = `bn${randomBytes(3).toString('hex')}`;
  makeBridge(bridge);
  const socketPath = join(dir, 'docker.sock');
  const args = [
    '--host', `unix://${socketPath}`,
    '--data-root', join(dir, 'data'),
    '--exec-root', join(dir, 'exec'),
    '--pidfile', join(dir, 'docker.pid'),
    '--config-file', join(dir, 'daemon.json'),
    '--bridge', bridge,
    '--iptables=false',
    '--ip6tables=false',
    '--log-level', 'error',
  ]; // prettier-ignore
  if (options.tls) {
    const f = options.tls.files;
    args.push('--host', `tcp://127.0.0.1:${options.tls.port}`, '--tlsverify', '--tlscacert', f.ca, '--tlscert', f.serverCert, '--tlskey', f.serverKey);
  }
  let child: ChildProcess | undefined;
  let stderr = '';
  const start = async () => {
    child = spawn('dockerd', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
    child.on('error', (err) => (stderr += `dockerd could not be started: ${err.message}`));
    await waitPing(socketPath, child, () => stderr);
  };
  const stop = async () => {
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child?.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  };
  try {
    await start();
  } catch (err) {
    await stop();
    dropBridge(bridge);
    throw err;
  }
  return {
    socketPath,
    ...(options.tls ? { tcp: `tcp://127.0.0.1:${options.tls.port}` } : {}),
    docker: new Docker({ socketPath }),
    stop,
    start,
    remove: async () => {
      await stop();
      dropBridge(bridge);
      rmSync(dir, { recursive: true, force: true, maxRetries: 3 });
    },
  };
}

/** Copies an image of the machine's dockerd into another engine (save → load), e.g. the busybox stand-in. */
export async function copyImage(from: Docker, to: Docker, ref: string): Promise<void> {
  const tar = await from.getImage(ref).get();
  const out = await to.loadImage(tar);
  await new Promise<void>((resolve, reject) => to.modem.followProgress(out, (err) => (err ? reject(err) : resolve())));
}

/** A bridge in a /24 of 10.200-249.x.0 that no route uses yet. */
function makeBridge(name: string): void {
  const routes = execFileSync('ip', ['-4', 'route'], { encoding: 'utf8' });
  let subnet = '';
  for (let i = 0; i < 50 && subnet === ''; i += 1) {
    const candidate = `10.${200 + Math.floor(Math.random() * 50)}.${Math.floor(Math.random() * 256)}`;
    if (!routes.includes(`${candidate}.`)) subnet = candidate;
  }
  execFileSync('ip', ['link', 'add', name, 'type', 'bridge']);
  execFileSync('ip', ['addr', 'add', `${subnet}.1/24`, 'dev', name]);
  execFileSync('ip', ['link', 'set', name, 'up']);
}

function dropBridge(name: string): void {
  try {
    execFileSync('ip', ['link', 'del', name], { stdio: 'ignore' });
  } catch {
    // already gone
  }
}

async function waitPing(socketPath: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 300; i += 1) {
    if (child.exitCode !== null) throw new Error(`dockerd exited (${child.exitCode}): ${stderr()}`);
    if (await ping(socketPath)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`dockerd did not answer on ${socketPath}: ${stderr()}`);
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 2000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
