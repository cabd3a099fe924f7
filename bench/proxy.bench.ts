/**
 * The proxy: failed requests while backends are swapped at runtime and while HAProxy reloads, under
 * a keep-alive client, and the latency HAProxy adds against the backend reached directly.
 *
 *   npm run build && npm run bench:proxy [-- --swaps 10 --reloads 5 --connections 20 --seconds 3]
 *
 * Starts its own HAProxy (temporary directory, free port on 127.0.0.1) and two tiny Node backends,
 * drives them through the proxy port, prints tables, and stops everything it started.
 * Prints figures; it is not a test and asserts nothing about speed.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createLogger } from '../src/logging/logger';
import { HaproxyProxy } from '../src/proxy/haproxy.proxy';
import { MemoryProxyState } from '../src/proxy/memory-proxy-state.store';
import { TestHaproxy } from '../test/support/haproxy';
import { KeepAliveLoad, freePort, startNamedBackend } from '../test/support/keep-alive-load';

interface Options {
  swaps: number;
  reloads: number;
  connections: number;
  seconds: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { swaps: 10, reloads: 5, connections: 20, seconds: 3 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '') as keyof Options;
    const value = Number(argv[i + 1]);
    if (!(key in options) || !(value > 0)) throw new Error(`unknown option ${argv[i]} ${argv[i + 1]}`);
    options[key] = value;
  }
  return options;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

/** Requests and failures of each step (a swap or a reload), from the load's counts before and after it. */
async function underLoad(load: KeepAliveLoad, label: string, steps: number, step: (i: number) => Promise<void>): Promise<void> {
  print(`| ${label} | Requests | Failed |`);
  print('|---|---|---|');
  for (let i = 1; i <= steps; i++) {
    const before = load.snapshot();
    await step(i);
    await sleep(300);
    const after = load.snapshot();
    print(`| ${i} | ${after.requests - before.requests} | ${after.failures - before.failures} |`);
  }
}

/** Request durations over `connections` keep-alive loops for `seconds`, after half a second of warm-up. */
async function latency(port: number, host: string, connections: number, seconds: number): Promise<string> {
  await new KeepAliveLoad({ port, host, connections, maxMs: 500 }).finished();
  const done = await new KeepAliveLoad({ port, host, connections, maxMs: seconds * 1000, latencies: true }).finished();
  const sorted = [...done.latencies].sort((a, b) => a - b);
  return `${done.requests} req, ${done.failures} failed, p50 ${percentile(sorted, 50).toFixed(3)} ms, p99 ${percentile(sorted, 99).toFixed(3)} ms`;
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-proxy-'));
  const port = await freePort();
  const config = { bindAddress: '127.0.0.1', httpPort: port, socketPath: join(dir, 'admin.sock') };
  const proxy = new HaproxyProxy({ configDir: dir, config }, new MemoryProxyState(), createLogger({ level: 'error', format: 'text' }, 'bench'));
  const backends = await Promise.all([startNamedBackend('blue'), startNamedBackend('green')]);
  await proxy.writeFiles({
    backends: [{ name: 'app', servers: [{ name: 's0', address: `127.0.0.1:${backends[0].port}` }] }],
    routes: [{ host: 'app.bench.test', backend: 'app' }],
  });
  const haproxy = await TestHaproxy.start(proxy.paths.config, config.socketPath);
  try {
    print(`HAProxy on 127.0.0.1:${port}; ${options.connections} keep-alive connections`);
    const load = new KeepAliveLoad({ port, host: 'app.bench.test', connections: options.connections, maxMs: 600_000 });
    await underLoad(load, 'Swap', options.swaps, async (i) => {
      await proxy.addServer('app', { name: `s${i}`, address: `127.0.0.1:${backends[i % 2]?.port}` });
      await proxy.waitUp('app', `s${i}`, 5000);
      await proxy.drainServer('app', `s${i - 1}`);
      await proxy.waitIdle('app', `s${i - 1}`, 5000);
      await proxy.removeServer('app', `s${i - 1}`);
    });
    print();
    await underLoad(load, 'Reload', options.reloads, () => proxy.reconcile());
    const total = await load.stop();
    print(`\nTotal: ${total.requests} requests, ${total.failures} failed ${JSON.stringify(Object.fromEntries(total.reasons))}`);

    const live = `127.0.0.1:${backends[options.swaps % 2]?.port}`;
    print(`\nLatency, ${options.seconds} s each (live backend ${live})`);
    for (const connections of [1, options.connections]) {
      print(`  ${connections} connection(s), direct:  ${await latency(backends[options.swaps % 2]?.port ?? 0, 'app.bench.test', connections, options.seconds)}`);
      print(`  ${connections} connection(s), proxied: ${await latency(port, 'app.bench.test', connections, options.seconds)}`);
    }
  } finally {
    await haproxy.stop();
    await Promise.all(backends.map((b) => b.close()));
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
