import { mkdir } from 'node:fs/promises';
import { dirname } from 'node:path';
import type winston from 'winston';
import type { HaproxyProxy } from './haproxy.proxy';

export interface ProxySupervisorOptions {
  /** Where HAProxy's files go and its Runtime API socket; both directories are made if missing. */
  configDir: string;
  socketPath: string;
  /** How often the watchdog checks that HAProxy answers. Default 3000 ms. */
  watchdogMs?: number;
}

/**
 * HAProxy's lifecycle, owned by the API process: at start, HAProxy is brought to Berth's saved
 * state (a hitless reload of the one running, or a new one started); then a watchdog restarts it
 * from that state whenever it stops answering. `stop` leaves HAProxy running: apps keep being
 * served while Berth restarts.
 */
export class ProxySupervisor {
  private timer: NodeJS.Timeout | undefined;
  private ticking: Promise<unknown> = Promise.resolve();
  private lastError: string | undefined;
  /** Until one attempt succeeds, every tick brings HAProxy to the saved state (Redis may be late). */
  private reconciled = false;

  constructor(
    private readonly proxy: HaproxyProxy,
    private readonly options: ProxySupervisorOptions,
    private readonly logger: winston.Logger,
  ) {}

  /** Resolves after the first attempt; a failure is logged, and the watchdog tries again. */
  async start(): Promise<'reloaded' | 'started' | 'failed'> {
    const first = this.attempt(false);
    this.ticking = first;
    const outcome = await first;
    this.timer ??= setInterval(() => this.tick(), this.options.watchdogMs ?? 3000);
    this.timer.unref();
    return outcome === 'running' ? 'reloaded' : outcome;
  }

  /** Stops the watchdog (and waits for a check under way); HAProxy goes on. */
  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
    await this.ticking;
  }

  private tick(): void {
    this.ticking = this.ticking
      .then(async () => {
        if (this.timer === undefined) return;
        if (!this.reconciled) return void (await this.attempt(false));
        if (await this.proxy.running()) return;
        this.logger.warn('HAProxy does not answer: starting it again from Berth state');
        await this.attempt(true);
      })
      .catch((err: unknown) => this.logger.error('HAProxy watchdog failed', { error: String(err) }));
  }

  private async attempt(onlyIfDown: boolean): Promise<'running' | 'reloaded' | 'started' | 'failed'> {
    try {
      await mkdir(this.options.configDir, { recursive: true, mode: 0o700 });
      await mkdir(dirname(this.options.socketPath), { recursive: true, mode: 0o755 });
      const outcome = await this.proxy.recover(onlyIfDown);
      this.lastError = undefined;
      this.reconciled = true;
      return outcome;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // Once per distinct failure: the watchdog retries every few seconds.
      if (message !== this.lastError) this.logger.error('HAProxy cannot be started or reloaded', { error: message, details: (err as { details?: unknown }).details });
      this.lastError = message;
      return 'failed';
    }
  }
}
