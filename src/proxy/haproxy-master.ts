import { execFile } from 'node:child_process';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ProxyError, UnavailableError } from '../errors';
import { generateConfig, generateMap, type HaproxyConfigOptions } from './haproxy-config';
import type { HaproxyRuntime } from './haproxy-runtime';
import type { ProxyDesiredState } from './proxy.port';

/** Where HAProxy's files live inside the configured directory. */
export function haproxyPaths(configDir: string): { config: string; map: string; pid: string } {
  return { config: join(configDir, 'haproxy.cfg'), map: join(configDir, 'hosts.map'), pid: join(configDir, 'haproxy.pid') };
}

export interface HaproxyMasterOptions {
  configDir: string;
  config: Omit<HaproxyConfigOptions, 'mapPath' | 'pidPath'>;
  /** The haproxy executable. Default "haproxy" (from PATH). */
  binary?: string;
  /** How long a reload may take to answer from its new worker. Default 10 s. */
  reloadTimeoutMs?: number;
}

/**
 * HAProxy's files and its master process: writes the configuration and the map atomically
 * (a crash leaves the old or the new file, never half of one), checks a configuration with
 * `haproxy -c` before a reload may use it, and reloads through the master (SIGUSR2).
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

  /** The master's pid from its pidfile; UnavailableError when it is not running. */
  async masterPid(): Promise<number> {
    const text = await readFile(this.paths.pid, 'utf8').catch(() => '');
    const pid = Number(text.trim());
    if (!Number.isInteger(pid) || pid <= 1 || !isAlive(pid)) {
      throw new UnavailableError('proxy', `HAProxy is not running (no live master in ${this.paths.pid}); start it with: haproxy -W -D -f ${this.paths.config}`);
    }
    return pid;
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

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
