/**
 * Pull and push throughput through Berth (`POST /api/v1/images/pull`, `POST
 * /api/v1/images/{ref}/push`, operation polled until it ends) against `docker pull` / `docker tag` +
 * `docker push` (or `podman --url ... pull/push --tls-verify=false`) by hand, on the same engine and
 * a local `docker-registry` (plain HTTP on 127.0.0.1).
 *
 *   npm run build && npm run bench:transfers -- --engine docker [--runs 3] [--mb 160]
 *
 * The payload is `berth-bench/xfer-*`: 4 layers of random data (`--mb` in all), loaded from an
 * archive made here, so no layer is shared with another image. Each pull starts with the image gone
 * from the engine (every tag, by id); each push goes to a registry restarted with empty storage,
 * so every blob is uploaded. Berth and by hand alternate which goes first. Starts the real API
 * in-process (real Redis at BERTH_BENCH_REDIS_URL, default redis://127.0.0.1:6379); removes the
 * images, registry and temporary files it made. Prints figures; it asserts nothing about speed.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import TOML from '@iarna/toml';
import { Redis } from 'ioredis';
import { composeApi } from '../src/composition';
import { parseConfig } from '../src/config/config.loader';
import { createLogger } from '../src/logging/logger';
import { freePort } from '../test/support/keep-alive-load';
import { BenchRegistry, writePayloadArchive } from './transfer-bench.support';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;
type EngineName = keyof typeof SOCKETS;
const LAYERS = 4;
const run = promisify(execFile);

interface Options {
  engine: EngineName;
  runs: number;
  mb: number;
}

function parseArgs(argv: string[]): Options {
  const options: Options = { engine: 'docker', runs: 3, mb: 160 };
  for (let i = 0; i < argv.length; i += 2) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--engine' && (value === 'docker' || value === 'podman')) options.engine = value;
    else if (flag === '--runs' && Number(value) > 0) options.runs = Number(value);
    else if (flag === '--mb' && Number(value) >= LAYERS) options.mb = Number(value);
    else throw new Error(`usage: transfers.bench [--engine docker|podman] [--runs N] [--mb MB]; bad ${flag} ${value}`);
  }
  return options;
}

/** The engine's CLI by hand: `docker ...` or `podman --url unix://... ...` (plain HTTP allowed for the registry). */
class Cli {
  constructor(private readonly engine: EngineName) {}

  get name(): string {
    return this.engine;
  }

  exec(args: string[]): Promise<unknown> {
    const [program, all] = this.engine === 'docker' ? ['docker', args] : ['podman', ['--url', `unix://${SOCKETS.podman}`, ...args]];
    return run(program, all, { maxBuffer: 64 * 1024 * 1024 });
  }

  /** Pull and push flags for the plain-HTTP registry: Docker trusts 127.0.0.0/8 by itself. */
  transferArgs(verb: 'pull' | 'push', ref: string): string[] {
    return this.engine === 'podman' ? [verb, '--tls-verify=false', ref] : [verb, ref];
  }

  async exists(ref: string): Promise<boolean> {
    return this.exec(['image', 'inspect', ref]).then(
      () => true,
      () => false,
    );
  }
}

/** Berth's image API, in-process: starts a transfer and polls its operation until it ends. */
class BerthImages {
  constructor(
    private readonly url: string,
    private readonly token: string,
  ) {}

  pull(image: string): Promise<void> {
    return this.transfer('/images/pull', { image });
  }

  push(ref: string, target: string): Promise<void> {
    return this.transfer(`/images/${encodeURIComponent(ref)}/push`, { target });
  }

  private async transfer(path: string, body: object): Promise<void> {
    const started = await this.call('POST', path, body);
    for (;;) {
      const op = await this.call('GET', `/images/operations/${String(started.id)}`);
      if (op.status === 'succeeded') return;
      if (op.status !== 'running') throw new Error(`operation ended ${JSON.stringify(op)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  private async call(method: string, path: string, body?: object): Promise<Record<string, unknown>> {
    const res = await fetch(`${this.url}/api/v1${path}`, {
      method,
      headers: { Authorization: `Bearer ${this.token}`, 'Content-Type': 'application/json' },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const answer = (await res.json()) as Record<string, unknown>;
    if (!res.ok) throw new Error(`${method} ${path} answered ${res.status} ${JSON.stringify(answer)}`);
    return answer;
  }
}

async function seconds(once: () => Promise<void>): Promise<number> {
  const start = process.hrtime.bigint();
  await once();
  return Number(process.hrtime.bigint() - start) / 1e9;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;

/** Runs `rounds` rounds of Berth and by hand, alternating which goes first; prints each round and the medians. */
async function compare(
  what: string,
  rounds: number,
  bytes: number,
  cli: string,
  ways: { prepare: () => Promise<void>; berth: (round: number) => Promise<void>; byHand: (round: number) => Promise<void>; check: () => Promise<void> },
): Promise<void> {
  const times = { berth: [] as number[], byHand: [] as number[] };
  for (let round = 1; round <= rounds; round++) {
    const order = round % 2 === 1 ? (['berth', 'byHand'] as const) : (['byHand', 'berth'] as const);
    for (const way of order) {
      await ways.prepare();
      times[way].push(await seconds(() => ways[way](round)));
      await ways.check();
    }
    process.stdout.write(
      `${what} round ${round} (${order[0] === 'berth' ? 'Berth' : cli} first): Berth ${times.berth.at(-1)?.toFixed(2)} s, ${cli} ${times.byHand.at(-1)?.toFixed(2)} s\n`,
    );
  }
  const [berth, byHand] = [median(times.berth), median(times.byHand)];
  const rate = (s: number) => (bytes / 1e6 / s).toFixed(1);
  process.stdout.write(
    `${what}: ${cli} by hand median ${byHand.toFixed(2)} s (${rate(byHand)} MB/s), Berth median ${berth.toFixed(2)} s (${rate(berth)} MB/s), ratio Berth / by hand ${(berth / byHand).toFixed(2)}x\n`,
  );
}

async function startApi(engine: EngineName, instance: string, dataDir: string, token: string, registry: string) {
  const config = parseConfig(
    TOML.stringify({
      server: { host: '127.0.0.1', port: 0, data_dir: dataDir, instance },
      docker: { runtime: engine, socket_path: SOCKETS[engine] },
      redis: { url: process.env.BERTH_BENCH_REDIS_URL ?? 'redis://127.0.0.1:6379', prefix: `berth-bench:${instance}` },
      auth: { tokens: [token] },
      proxy: { enabled: false },
      log: { level: 'error' },
      // Podman must be told the registry speaks plain HTTP; Docker trusts 127.0.0.0/8 by itself.
      registries: { [registry]: { insecure: true } },
    }),
    'bench.toml',
  );
  const api = composeApi(config, createLogger(config.log, 'bench'));
  await api.redisReady(5000);
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const close = async () => {
    server.close();
    await api.close();
    const redis = new Redis(config.redis.url);
    const keys = await redis.keys(`${config.redis.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  };
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close };
}

async function main(): Promise<void> {
  const { engine, runs, mb } = parseArgs(process.argv.slice(2));
  const instance = `bench${randomBytes(3).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'berth-bench-xfer-'));
  const token = randomBytes(16).toString('hex');
  const cli = new Cli(engine);
  const registry = new BenchRegistry(join(dir, 'registry'), await freePort());
  const tag = `berth-bench/xfer-${instance}:1`;
  const payload = await writePayloadArchive(dir, tag, LAYERS, Math.floor((mb * 1e6) / LAYERS), { 'berth.instance': instance, 'berth.build-id': 'bench' });
  const api = await startApi(engine, instance, join(dir, 'data'), token, registry.host);
  const berth = new BerthImages(api.url, token);
  const source = `${registry.host}/berth-bench/xfer-${instance}:1`;
  try {
    await cli.exec(['load', '-i', payload.path]);
    rmSync(payload.path);
    await registry.restartEmpty();
    await cli.exec(['tag', tag, source]);
    await cli.exec(cli.transferArgs('push', source));
    process.stdout.write(
      `${engine}: ${(payload.bytes / 1e6).toFixed(1)} MB in ${LAYERS} layers, load average ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );

    await compare('pull', runs, payload.bytes, engine, {
      prepare: async () => {
        await cli.exec(['rmi', '-f', payload.imageId]);
        if (await cli.exists(payload.imageId)) throw new Error(`${payload.imageId} is still on the engine`);
      },
      berth: () => berth.pull(source),
      byHand: async () => void (await cli.exec(cli.transferArgs('pull', source))),
      check: async () => {
        if (!(await cli.exists(payload.imageId))) throw new Error(`the pull did not bring back ${payload.imageId}`);
      },
    });

    const target = (round: number, way: string) => `${registry.host}/berth-bench/push-${way}-${round}:1`;
    await compare('push', runs, payload.bytes, engine, {
      prepare: () => registry.restartEmpty(),
      // The pushed tags go with the image at the end (`rmi -f` by id).
      berth: (round) => berth.push(source, target(round, 'berth')),
      byHand: async (round) => {
        await cli.exec(['tag', source, target(round, 'cli')]);
        await cli.exec(cli.transferArgs('push', target(round, 'cli')));
      },
      // Every blob went up: the registry holds at least the layers' bytes (random data does not compress).
      check: async () => {
        const stored = await registry.storedBytes();
        if (stored < payload.bytes * 0.95) throw new Error(`the registry holds ${stored} bytes after the push, the image has ${payload.bytes}`);
      },
    });
    process.stdout.write(
      `load average at the end ${loadavg()
        .map((l) => l.toFixed(2))
        .join(' ')}\n`,
    );
  } finally {
    await cli.exec(['rmi', '-f', payload.imageId]).catch(() => undefined);
    await api.close();
    await registry.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
