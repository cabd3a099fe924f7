/** Exponential backoff per key: failures push the next try further out, a success forgets the key. */
export class RetryBackoff {
  private readonly failures = new Map<string, { count: number; nextAt: number }>();

  constructor(
    private readonly minMs: number,
    private readonly maxMs: number,
  ) {}

  /** Whether `key` may be tried at `now`. */
  ready(key: string, now: number): boolean {
    return (this.failures.get(key)?.nextAt ?? 0) <= now;
  }

  /** Records a failure; resolves to the delay before the next try. */
  failed(key: string, now: number): number {
    const count = (this.failures.get(key)?.count ?? 0) + 1;
    const delay = Math.min(this.maxMs, this.minMs * 2 ** (count - 1));
    this.failures.set(key, { count, nextAt: now + delay });
    return delay;
  }

  succeeded(key: string): void {
    this.failures.delete(key);
  }
}
