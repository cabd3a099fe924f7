import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { AppError, ProxyError, UnavailableError } from '../errors';
import { checkDesiredState } from './haproxy-config';
import { EMPTY_PROXY_STATE, type ProxyStateSession, type ProxyStateStore } from './proxy-state.port';
import type { ProxyDesiredState } from './proxy.port';

export interface RedisProxyStateOptions {
  /** Key prefix (`[redis] prefix`): keys are `<prefix>:proxy:desired` and `<prefix>:proxy:lock`. */
  prefix: string;
  /** The lock expires this long after its holder stops renewing it (a killed process). Default 5000 ms. */
  lockTtlMs?: number;
  /** How long a change waits for the lock before failing. Default 60 s (changes with reloads queue up). */
  acquireTimeoutMs?: number;
  /** Pause between two tries to take the lock. Default 20 ms. */
  retryMs?: number;
}

/** Extends the lock while its token still holds it. */
const RENEW = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`;
/** Releases the lock only if its token still holds it (an expired lock may be someone else's now). */
const RELEASE = `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`;
/** Saves only while the token holds the lock: a holder that lost it cannot overwrite a newer state. */
const SAVE = `if redis.call('get', KEYS[1]) ~= ARGV[1] then return 0 end redis.call('set', KEYS[2], ARGV[2]) return 1`;

/**
 * The proxy's desired state in Redis (one JSON value), changed under a lock: `SET NX PX` with a
 * random token, renewed every third of its TTL while the change runs, released (and saves
 * fenced) by token in Lua. Within one process, changes also queue locally, so they do not poll
 * Redis against each other.
 */
export class RedisProxyState implements ProxyStateStore {
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly redis: Redis,
    private readonly options: RedisProxyStateOptions,
  ) {}

  async read(): Promise<ProxyDesiredState> {
    const text = await this.run(() => this.redis.get(this.key('desired')));
    if (text === null) return EMPTY_PROXY_STATE;
    try {
      const state = JSON.parse(text) as ProxyDesiredState;
      checkDesiredState(state);
      return state;
    } catch (err) {
      const reason = err instanceof Error ? err.message : String(err);
      throw new ProxyError('proxy_error', `the proxy state saved in Redis (${this.key('desired')}) cannot be read: ${reason}`);
    }
  }

  exclusive<T>(task: (session: ProxyStateSession) => Promise<T>): Promise<T> {
    const locked = () => this.locked(task);
    const run = this.queue.then(locked, locked);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private async locked<T>(task: (session: ProxyStateSession) => Promise<T>): Promise<T> {
    const token = randomBytes(16).toString('hex');
    const ttl = this.options.lockTtlMs ?? 5000;
    await this.acquire(token, ttl);
    const renew = setInterval(
      () => {
        this.redis.eval(RENEW, 1, this.key('lock'), token, ttl).catch(() => undefined);
      },
      Math.max(50, Math.floor(ttl / 3)),
    );
    try {
      return await task({ load: () => this.read(), save: (state) => this.save(token, state) });
    } finally {
      clearInterval(renew);
      await this.redis.eval(RELEASE, 1, this.key('lock'), token).catch(() => undefined);
    }
  }

  private async acquire(token: string, ttl: number): Promise<void> {
    const timeoutMs = this.options.acquireTimeoutMs ?? 60_000;
    const deadline = Date.now() + timeoutMs;
    while ((await this.run(() => this.redis.set(this.key('lock'), token, 'PX', ttl, 'NX'))) !== 'OK') {
      if (Date.now() >= deadline) throw new ProxyError('proxy_timeout', `another process held the proxy lock (${this.key('lock')}) for more than ${timeoutMs} ms`);
      await sleep((this.options.retryMs ?? 20) * (0.5 + Math.random()));
    }
  }

  private async save(token: string, state: ProxyDesiredState): Promise<void> {
    checkDesiredState(state);
    const saved = await this.run(() => this.redis.eval(SAVE, 2, this.key('lock'), this.key('desired'), token, JSON.stringify(state)));
    if (saved !== 1) throw new ProxyError('proxy_error', 'the proxy lock expired during a change (a stalled process?): the change was applied but not saved; retry it');
  }

  private key(name: 'desired' | 'lock'): string {
    return `${this.options.prefix}:proxy:${name}`;
  }

  private async run<T>(command: () => Promise<T>): Promise<T> {
    try {
      return await command();
    } catch (err) {
      if (err instanceof AppError) throw err;
      throw new UnavailableError('redis', `redis is not reachable: ${(err as Error).message}`);
    }
  }
}
