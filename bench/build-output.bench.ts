/**
 * Worker memory under build output: a worker process (`dist/workers/build.worker.js`, or the one
 * `--worker` names, e.g. an older build of Berth) takes two builds while this script samples its
 * resident memory (VmRSS) every 100 ms:
 *   - "100 MB": a RUN step printing 100 MB of short lines, then ending;
 *   - "yes": a RUN step running `yes` until the build timeout (`--timeout`, seconds) stops it.
 * It prints the worker's idle RSS and the peak during each build, with how each build ended.
 *
 *   npm run build && node dist/bench/build-output.bench.js [--engine docker|podman] [--timeout 60] [--worker PATH]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import TOML from '@iarna/toml';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import { parseConfig } from '../src/config/config.loader';
import { composeApi } from '../src/composition';
import { createLogger } from '../src/logging/logger';
import { startGitServer } from '../test/support/git-server';

const SOCKETS = { docker: '/var/run/docker.sock', podman: '/run/berth/podman.sock' } as const;
const BASE = 'FROM berth-test/busybox:latest';
const MIB = 1024 * 1024;

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? (process.argv[i + 1] ?? fallback) : fallback;
}

/** Resident memory of a process in MiB, or undefined once it has gone. */
function rssMiB(pid: number): number | undefined {
  try {
    const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
    return kb ? Number(kb) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Api {
  url: string;
  headers: Record<string, string>;
}

/** Submits a build and samples the worker until the build ends (or the worker dies). */
async function measure(api: Api, worker: ChildProcess, repo: string, tag: string): Promise<string> {
  const body = { git_repo: repo, git_branch: 'main', buildpack_type: 'dockerfile', image_tag: tag, no_cache: true };
  const res = await fetch(`${api.url}/api/v1/images/build`, { method: 'POST', headers: api.headers, body: JSON.stringify(body) });
  const { id } = (await res.json()) as { id: string };
  const started = Date.now();
  let peak = 0;
  /** Peak RSS of each 10-second window, to show whether memory grows with time. */
  const windows: number[] = [];
  let build: { status: string; error?: { code: string } } = { status: 'queued' };
  while (!['succeeded', 'failed', 'cancelled'].includes(build.status)) {
    await sleep(100);
    const rss = rssMiB(worker.pid ?? 0);
    if (rss === undefined)
      return `peak ${peak.toFixed(0)} MiB, then the worker DIED (exit ${worker.exitCode ?? worker.signalCode}) after ${((Date.now() - started) / 1000).toFixed(0)} s`;
    peak = Math.max(peak, rss);
    const w = Math.floor((Date.now() - started) / 10_000);
    windows[w] = Math.max(windows[w] ?? 0, rss);
    build = (await (await fetch(`${api.url}/api/v1/builds/${id}`, { headers: api.headers })).json()) as typeof build;
  }
  const log = (await (await fetch(`${api.url}/api/v1/builds/${id}/logs`, { headers: api.headers })).json()) as { truncated: boolean; lines: unknown[] };
  const seconds = ((Date.now() - started) / 1000).toFixed(0);
  const timeline = windows.map((v) => v.toFixed(0)).join(' ');
  return `peak ${peak.toFixed(0)} MiB; build ${build.status}${build.error ? ` (${build.error.code})` : ''} in ${seconds} s, log ${log.lines.length} lines${log.truncated ? ', truncated' : ''}; peak per 10 s: ${timeline}`;
}

async function main(): Promise<void> {
  const engine = arg('engine', 'docker') as keyof typeof SOCKETS;
  const timeout = Number(arg('timeout', '60'));
  const workerScript = resolve(arg('worker', 'dist/workers/build.worker.js'));
  const git = await startGitServer();
  const flood = git.push('flood', { Dockerfile: `${BASE}\nRUN yes 'a line of build output, as a chatty build prints it' | head -c ${100 * MIB}\n` });
  const forever = git.push('yes', { Dockerfile: `${BASE}\nRUN yes\n` });
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-bench-'));
  const token = randomBytes(16).toString('hex');
  const instance = `bench${randomBytes(3).toString('hex')}`;
  const raw = {
    server: { data_dir: dataDir, instance },
    docker: { runtime: engine, socket_path: SOCKETS[engine], build_dir: join(dataDir, 'builds') },
    redis: { prefix: `berth-bench-${instance}` },
    auth: { tokens: [token] },
    git: { allowed_hosts: ['127.0.0.1'] },
    build: { timeout_seconds: timeout, attempts: 1 },
    log: { level: 'error' },
    proxy: { enabled: false }, // measures the API alone: no HAProxy on port 80
  };
  const config = parseConfig(TOML.stringify(raw), 'bench.toml');
  const configFile = join(dataDir, 'worker.toml');
  writeFileSync(configFile, TOML.stringify(raw));
  const api = composeApi(config, createLogger(config.log, 'bench'));
  const server = api.app.listen(0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const worker = spawn(process.execPath, [workerScript], { env: { ...process.env, BERTH_CONFIG: configFile }, stdio: ['ignore', 'ignore', 'inherit'] });
  const lines = [`engine: ${engine}, worker: ${workerScript}, build timeout ${timeout} s, log_max_bytes ${config.build.log_max_bytes}`];
  try {
    await sleep(3000);
    lines.push(`worker RSS, idle:                  ${rssMiB(worker.pid ?? 0)?.toFixed(0)} MiB`);
    const headers = { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' };
    lines.push(`RUN printing 100 MB:               ${await measure({ url, headers }, worker, flood.url, `${instance}-flood:1`)}`);
    lines.push(`RUN yes until the timeout:         ${await measure({ url, headers }, worker, forever.url, `${instance}-yes:1`)}`);
    lines.push(`worker RSS, after both builds:     ${rssMiB(worker.pid ?? 0)?.toFixed(0) ?? '(gone)'} MiB`);
  } finally {
    worker.kill('SIGKILL');
    server.close();
    await api.close();
    await git.close();
    const docker = new Docker({ socketPath: SOCKETS[engine] });
    const images = await docker.listImages({ filters: JSON.stringify({ label: [`berth.instance=${instance}`] }) });
    for (const image of images)
      await docker
        .getImage(image.Id)
        .remove({ force: true })
        .catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
    const redis = new Redis(config.redis.url);
    const keys = await redis.keys(`${config.redis.prefix}:*`);
    if (keys.length > 0) await redis.del(...keys);
    redis.disconnect();
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  process.exit(0);
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
