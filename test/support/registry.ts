import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A distribution registry of the test's own on 127.0.0.1 (Debian's `docker-registry`), plain HTTP. */
export interface TestRegistry {
  /** `127.0.0.1:PORT`: the registry host part of references. */
  host: string;
  stop(): Promise<void>;
}

/** Starts `docker-registry serve` on a free 127.0.0.1 port; with `auth`, htpasswd (bcrypt) auth of that one user. */
export async function startRegistry(auth?: { username: string; password: string }): Promise<TestRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'berth-registry-'));
  const port = await freePort();
  const lines = ['version: 0.1', 'log:', '  level: error', 'storage:', '  filesystem:', `    rootdirectory: ${join(dir, 'data')}`, 'http:', `  addr: 127.0.0.1:${port}`];
  if (auth) {
    // The registry takes only bcrypt lines: htpasswd -B (apache2-utils), argument array, password on stdin.
    const line = execFileSync('htpasswd', ['-niB', auth.username], { input: auth.password, encoding: 'utf8' }).trim();
    writeFileSync(join(dir, 'htpasswd'), `${line}\n`);
    lines.push('auth:', '  htpasswd:', '    realm: berth-test', `    path: ${join(dir, 'htpasswd')}`);
  }
  writeFileSync(join(dir, 'config.yml'), `${lines.join('\n')}\n`);
  const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  // A missing program is an `error` event, not a throw: say how to get it.
  child.on('error', (err) => (stderr += `docker-registry could not be started (apt-get install docker-registry apache2-utils; scripts/setup.sh does): ${err.message}`));
  child.stderr?.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const host = `127.0.0.1:${port}`;
  await waitUp(host, child, () => stderr);
  return {
    host,
    stop: async () => {
      if (child.exitCode === null) {
        const exited = new Promise((resolve) => child.once('exit', resolve));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

async function waitUp(host: string, child: ChildProcess, stderr: () => string): Promise<void> {
  for (let i = 0; i < 100; i += 1) {
    if (child.exitCode !== null || child.pid === undefined) throw new Error(`docker-registry exited (${child.exitCode}): ${stderr()}`);
    const answered = await fetch(`http://${host}/v2/`).then(
      (r) => r.status === 200 || r.status === 401,
      () => false,
    );
    if (answered) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`docker-registry did not answer on ${host}: ${stderr()}`);
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      server.close(() => resolve(port));
    });
  });
}
