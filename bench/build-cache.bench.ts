/**
 * Build cache benchmark: a `nixpacks` build of an Express app (72 packages from the npm registry,
 * package-lock.json committed: test/fixtures/express-app) through the API and an in-process
 * worker, cold (a variable no earlier build had: every step after it runs, `npm ci` downloads
 * everything) then warm (the same commit and variables again: every step is a cache hit). Prints
 * both times per run, the app image's size and the sizes of the base images.
 *
 *   npm run build && node dist/bench/build-cache.bench.js [--engine docker|podman] [--runs 3]
 *     [--node-image berth-test/debian-node:20] [--node-major 20]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import TOML from '@iarna/toml';
import Docker from 'dockerode';
import { parseConfig } from '../src/config/config.loader';
import { composeApi } from '../src/composition';
import { createLogger } from '../src/logging/logger';
import { composeWorker } from '../workers/worker.composition';
import { startGitServer } from '../test/support/git-server';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;
/** The source tree, from dist/bench. */
const FIXTURE = join(__dirname, '..', '..', 'test', 'fixtures', 'express-app');
/** The test suite's Debian stand-ins (scripts/base-images.sh), shown with their sizes. */
const BASE_IMAGES = ['berth-test/debian-node:20', 'berth-test/debian-python:3.11', 'berth-test/debian-go:1.19', 'berth-test/node:20'];

interface Api {
  post(path: string, body: object): Promise<{ id: string }>;
  get<T>(path: string): Promise<T>;
}

interface BuildBody {
  status: string;
  error?: unknown;
  timestamps: { queued: string; cloning?: string; building?: string; finished?: string };
}

/** Where a build's time went: waiting for the worker, cloning, building (engine + tagging). */
function phases(t: BuildBody['timestamps']): string {
  const at = (s?: string) => Date.parse(s ?? '');
  const s = (from?: string, to?: string) => `${((at(to) - at(from)) / 1000).toFixed(1)} s`;
  return `queue ${s(t.queued, t.cloning)}, clone ${s(t.cloning, t.building)}, build ${s(t.building, t.finished)}`;
}

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

const mb = (bytes: number): string => `${(bytes / 1e6).toFixed(0)} MB`;

async function imageSize(docker: Docker, name: string): Promise<string> {
  try {
    return mb((await docker.getImage(name).inspect()).Size);
  } catch {
    return 'absent';
  }
}

/** Removes the untagged build stages whose variables hold one of `marks`. */
async function removeStages(docker: Docker, marks: string[]): Promise<void> {
  const dangling = await docker.listImages({ filters: JSON.stringify({ dangling: ['true'] }) });
  for (const { Id } of dangling) {
    const image = docker.getImage(Id);
    const env = (await image.inspect().catch(() => undefined))?.Config?.Env ?? [];
    if (env.some((line) => marks.some((mark) => line === `BENCH_RUN=${mark}`))) await image.remove({ force: true }).catch(() => undefined);
  }
}

/** Submits a build and waits for it to succeed: its wall time (submit to `succeeded`) in ms. */
async function timedBuild(api: Api, body: object): Promise<{ ms: number; phases: string }> {
  const t0 = performance.now();
  const { id } = await api.post('/api/v1/images/build', body);
  let build: BuildBody;
  do {
    await new Promise((r) => setTimeout(r, 100));
    build = await api.get<BuildBody>(`/api/v1/builds/${id}`);
  } while (build.status !== 'succeeded' && build.status !== 'failed' && build.status !== 'cancelled');
  const ms = performance.now() - t0;
  if (process.env.BERTH_BENCH_DEBUG) {
    const logs = await api.get<{ lines: Array<{ time: string; text: string }> }>(`/api/v1/builds/${id}/logs`);
    process.stderr.write(`${logs.lines.map((l) => `${l.time} ${l.text}`).join('\n')}\n`);
  }
  if (build.status !== 'succeeded') {
    const logs = await api.get<{ lines: Array<{ text: string }> }>(`/api/v1/builds/${id}/logs`);
    throw new Error(`build ${id} ${build.status}: ${JSON.stringify(build.error)}\n${logs.lines.map((l) => l.text).join('\n')}`);
  }
  return { ms, phases: phases(build.timestamps) };
}

/** The API on an ephemeral port and one worker, in this process; `close` stops both. */
async function startBerth(engine: keyof typeof SOCKETS, nodeImage: string): Promise<{ api: Api; close: () => Promise<void> }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const token = randomBytes(16).toString('hex');
  const config = parseConfig(
    TOML.stringify({
      server: { data_dir: dataDir, instance: `bench${randomBytes(3).toString('hex')}` },
      docker: { runtime: engine, socket_path: SOCKETS[engine], build_dir: join(dataDir, 'builds') },
      redis: { prefix: `berth-bench-${randomBytes(3).toString('hex')}` },
      auth: { tokens: [token] },
      git: { allowed_hosts: ['127.0.0.1'] },
      log: { level: 'error' },
      build: { timeout_seconds: 900 },
      buildpacks: { node_image: nodeImage, node_image_major: Number(arg('node-major', '20')) },
      proxy: { enabled: false }, // no HAProxy on port 80
    }),
    'bench.toml',
  );
  const logger = createLogger(config.log, 'bench');
  const composed = composeApi(config, logger);
  const server = composed.app.listen(0, '127.0.0.1');
  await new Promise((resolve) => server.once('listening', resolve));
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
  const worker = composeWorker(config, logger);
  await worker.start();
  const api: Api = {
    post: async (path, body) => (await fetch(`${base}${path}`, { method: 'POST', headers, body: JSON.stringify(body) })).json() as Promise<{ id: string }>,
    get: async <T>(path: string) => (await fetch(`${base}${path}`, { headers })).json() as Promise<T>,
  };
  const close = async () => {
    await worker.close();
    server.close();
    await composed.close();
    rmSync(dataDir, { recursive: true, force: true });
  };
  return { api, close };
}

/** `runs` pairs of builds of one commit: cold then warm. Answers their times in ms. */
async function coldAndWarm(api: Api, build: object, runs: number, marks: string[]): Promise<{ cold: number[]; warm: number[] }> {
  const cold: number[] = [];
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    // A variable of its own per run: every step of the cold build after it is new (npm ci
    // downloads everything), and the warm build can only hit that build's layers. Not
    // `no_cache`: on Docker a no_cache build leaves no cache entry for its COPY step, so the
    // same commit built after it would run npm ci again.
    marks.push(randomBytes(4).toString('hex'));
    const run = { ...build, nixpacks_config: { variables: { BENCH_RUN: marks.at(-1) } } };
    const first = await timedBuild(api, run);
    const second = await timedBuild(api, run);
    cold.push(first.ms);
    warm.push(second.ms);
    process.stderr.write(`run ${i + 1}: cold ${first.ms.toFixed(0)} ms (${first.phases}), warm ${second.ms.toFixed(0)} ms (${second.phases})\n`);
  }
  return { cold, warm };
}

const seconds = (values: number[]): string => `median ${(median(values) / 1000).toFixed(1)} s   runs: ${values.map((v) => (v / 1000).toFixed(1)).join(', ')}`;

async function main(): Promise<void> {
  const engine = arg('engine', 'docker') as keyof typeof SOCKETS;
  const runs = Number(arg('runs', '3'));
  const nodeImage = arg('node-image', 'berth-test/debian-node:20');
  const docker = new Docker({ socketPath: SOCKETS[engine] });
  const git = await startGitServer();
  const { url, commit } = git.push('express-app', {}, { fromDir: FIXTURE });
  const berth = await startBerth(engine, nodeImage);
  const tag = `bench-build-cache-${randomBytes(3).toString('hex')}:1`;
  const marks: string[] = [];
  let times: { cold: number[]; warm: number[] };
  let size: string;
  try {
    times = await coldAndWarm(berth.api, { git_repo: url, git_branch: 'main', buildpack_type: 'nixpacks', image_tag: tag }, runs, marks);
    size = await imageSize(docker, tag);
  } finally {
    await berth.close();
    await git.close();
    await docker
      .getImage(tag)
      .remove({ force: true })
      .catch(() => undefined);
    await removeStages(docker, marks);
  }
  const bases = await Promise.all(BASE_IMAGES.map(async (name) => `${name} ${await imageSize(docker, name)}`));
  const lines = [
    `engine: ${engine} (${SOCKETS[engine]}), runs: ${runs}, app: test/fixtures/express-app (express 4.21.2, 72 packages) at ${commit.slice(0, 12)} on ${nodeImage}`,
    `cold (new layers, npm ci from the registry)  ${seconds(times.cold)}`,
    `warm (same commit again, all cached)         ${seconds(times.warm)}`,
    `app image: ${size}`,
    `base images: ${bases.join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
