import { execFile, spawn } from 'node:child_process';
import { closeSync, openSync, readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyError, UnavailableError } from '../errors';
import { generateConfig, generateMap, type HaproxyConfigOptions } from './haproxy-config';
import type { HaproxyRuntime } from './haproxy-runtime';
import type { ProxyDesiredState } from './proxy.port';

/** Where HAProxy's files live inside the configured directory. */
export function haproxyPaths(configDir: string): { config: string; map: string; pid: string; log: string } {
  return { config: join(configDir, 'haproxy.cfg'), map: join(configDir, 'hosts.map'), pid: join(configDir, 'haproxy.pid'), log: join(configDir, 'haproxy.log') };
}

export interface HaproxyMasterOptions {
  configDir: string;
  config: Omit<HaproxyConfigOptions, 'mapPath' | 'pidPath'>;
  /** The haproxy executable. Default "haproxy" (from PATH). */
  binary?: string;
  /** How long a reload may take to answer from its new worker, and a start from its first. Default 10 s. */
  reloadTimeoutMs?: number;
}

/**
 * HAProxy's files and its master process: writes the configuration and the map atomically
 * (a crash leaves the old or the new file, never half of one), checks a configuration with
 * `haproxy -c` before a reload may use it, reloads through the master (SIGUSR2), and starts a
 * detached master that outlives Berth.
 */
export class HaproxyMaster {
  readonly paths: ReturnType<typeof haproxyPaths>;

  constructor(
    private readonly runtime: HaproxyRuntime,
    private readonly options: HaproxyMasterOptions,
  ) {
    this.paths = haproxyPaths(options.configDir);
  }

  /** Writes haproxy.cfg and hosts.map for `state`; with `check`, HAProxy must accept the configuration first. */
  async write(state: ProxyDesiredState, check: boolean): Promise<void> {
    const config = generateConfig(state, { ...this.options.config, mapPath: this.paths.map, pidPath: this.paths.pid });
    // The map first: the check reads it, and a running HAProxy reads it only on a reload.
    await atomicWrite(this.paths.map, generateMap(state));
    const next = `${this.paths.config}.next`;
    await writeFile(next, config, { mode: 0o600 });
    if (check) await this.check(next);
    await rename(next, this.paths.config);
  }

  /** Makes the master start a new worker on the written configuration; resolves once it answers. */
  async reload(): Promise<void> {
    const master = await this.masterPid();
    const before = await this.runtime.workerPid();
    process.kill(master, 'SIGUSR2');
    const timeoutMs = this.options.reloadTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      await sleep(50);
      const now = await this.runtime.workerPid().catch(() => before);
      if (now !== before) return;
    }
    throw new ProxyError('proxy_timeout', `HAProxy did not answer from a new worker within ${timeoutMs} ms of a reload: see its log`);
  }

  /** True when our master is alive and its Runtime API answers. */
  async running(): Promise<boolean> {
    if ((await this.livePid()) === undefined) return false;
    return this.runtime.workerPid().then(
      () => true,
      () => false,
    );
  }

  /**
   * Starts HAProxy on the written files as a daemon of its own (`-W -D`, its own session), so
   * that it outlives Berth; resolves once its Runtime API answers. A master that is alive but does
   * not answer is stopped first. Its start-up messages go to haproxy.log beside the configuration.
   */
  async start(): Promise<void> {
    await this.stopWedged();
    const log = openSync(this.paths.log, 'a', 0o600);
    const args = ['-W', '-D', '-f', this.paths.config, '-p', this.paths.pid];
    const launcher = spawn(this.options.binary ?? 'haproxy', args, { detached: true, stdio: ['ignore', log, log] });
    closeSync(log);
    const code = await new Promise<number | string>((resolve) => {
      launcher.once('error', (err) => resolve(err.message));
      launcher.once('exit', (status, signal) => resolve(status ?? String(signal)));
    });
    launcher.unref();
    if (code !== 0) throw new ProxyError('proxy_error', `HAProxy did not start (${code}): see ${this.paths.log}`, { answer: await tail(this.paths.log) });
    const timeoutMs = this.options.reloadTimeoutMs ?? 10_000;
    const deadline = Date.now() + timeoutMs;
    while (!(await this.running())) {
      if (Date.now() >= deadline)
        throw new ProxyError('proxy_timeout', `HAProxy started but its Runtime API did not answer within ${timeoutMs} ms: see ${this.paths.log}`);
      await sleep(50);
    }
  }

  /** The master's pid from its pidfile; UnavailableError when it is not running. */
  async masterPid(): Promise<number> {
    const pid = await this.livePid();
    if (pid === undefined) {
      throw new UnavailableError('proxy', `HAProxy is not running (no live master in ${this.paths.pid}); Berth's API starts it when [proxy] enabled = true`);
    }
    return pid;
  }

  /** The pid in the pidfile, if that process is alive and is an haproxy (a recycled pid is not ours). */
  private async livePid(): Promise<number | undefined> {
    const text = await readFile(this.paths.pid, 'utf8').catch(() => '');
    const pid = Number(text.trim().split('\n')[0]);
    if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) return undefined;
    const command = await readFile(`/proc/${pid}/cmdline`, 'utf8').catch(() => undefined);
    if (command !== undefined && !command.includes('haproxy')) return undefined;
    return pid;
  }

  /** A master alive without an answering socket (a stuck worker): SIGTERM, SIGKILL after 5 s. */
  private async stopWedged(): Promise<void> {
    const pid = await this.livePid();
    if (pid === undefined) return;
    process.kill(pid, 'SIGTERM');
    for (let waited = 0; isAlive(pid) && waited < 10_000; waited += 50) {
      if (waited === 5000) process.kill(pid, 'SIGKILL');
      await sleep(50);
    }
  }

  private check(configPath: string): Promise<void> {
    return new Promise((resolve, reject) => {
      execFile(this.options.binary ?? 'haproxy', ['-c', '-q', '-f', configPath], { timeout: 10_000 }, (err, _stdout, stderr) => {
        if (!err) return resolve();
        reject(new ProxyError('proxy_error', 'HAProxy refuses the generated configuration', { answer: String(stderr).slice(0, 2000) || err.message }));
      });
    });
  }
}

async function atomicWrite(path: string, text: string): Promise<void> {
  const next = `${path}.next`;
  await writeFile(next, text, { mode: 0o600 });
  await rename(next, path);
}

async function tail(path: string): Promise<string> {
  return (await readFile(path, 'utf8').catch(() => '')).slice(-2000);
}

/** Alive and not a zombie (a killed daemon may wait for a parent that never reaps it). */
function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  try {
    return !/^\S+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return true; // no /proc: the signal test is all there is
  }
}
