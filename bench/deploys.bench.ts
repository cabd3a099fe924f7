/**
 * Deploys end to end: a git app (dockerfile buildpack, a small Node server) deployed through the
 * API, its HAProxy and an in-process worker, on Docker or Podman. Prints:
 *  1. deploy overhead: POST deployments → the new version answering through the proxy, minus the
 *     build's own time (its record's queued → finished), with the phases' medians;
 *  2. rollback time: POST rollback → the previous version answering through the proxy;
 *  3. failed requests during redeploys under a rate-limited keep-alive client through the proxy;
 *  4. the proxy's added latency: GET through HAProxy against GET to the replica's 127.0.0.1 port.
 *
 *   npm run build && npm run bench:deploys -- [--engine docker|podman] [--runs 7] [--redeploys 10]
 *     [--rate 50] [--connections 10] [--requests 2000] [--latency-connections 1]
 *
 * drain_seconds is 1 and the health check the app's default (GET / every second). Everything it
 * made (containers, images, HAProxy, Redis keys under its prefix) is removed at the end.
 * Prints figures; it is not a test and asserts nothing about speed.
 */
import { randomBytes } from 'node:crypto';
import { startDeployEnv, type DeployEnv } from '../test/support/deploy-env';
import { KeepAliveLoad } from '../test/support/keep-alive-load';
import { appFiles, between, call, median, percentile, removeLeftovers, replicaPort, servedAt, waitSucceeded, type Build, type Deployment } from './deploy-bench.client';

interface Options {
  engine: 'docker' | 'podman';
  runs: number;
  redeploys: number;
  rate: number;
  connections: number;
  requests: number;
  latencyConnections: number;
}

const PHASES = ['building', 'starting', 'health_checking', 'switching', 'draining', 'succeeded'] as const;
const APP_PORT = 3000;

function parseArgs(argv: string[]): Options {
  const options: Options = { engine: 'docker', runs: 7, redeploys: 10, rate: 50, connections: 10, requests: 2000, latencyConnections: 1 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i]?.replace(/^--/, '').replace(/-(\w)/g, (_m, c: string) => c.toUpperCase()) as keyof Options;
    const value = argv[i + 1] ?? '';
    if (key === 'engine' && (value === 'docker' || value === 'podman')) options.engine = value;
    else if (key in options && key !== 'engine' && Number(value) > 0) options[key] = Number(value);
    else throw new Error(`unknown option ${argv[i]} ${value}`);
  }
  return options;
}

function print(line = ''): void {
  process.stdout.write(`${line}\n`);
}

const ms = (v: number): string => `${v.toFixed(0)} ms`;
const list = (values: number[]): string => values.map((v) => v.toFixed(0)).join(', ');

/** Where the time of one deployment went: each phase until the next one's start. */
function phaseTimes(d: Deployment): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 0; i < PHASES.length - 1; i++) {
    const phase = PHASES[i] as string;
    const next = PHASES.slice(i + 1).find((p) => d.times[p]);
    if (d.times[phase] && next) out[phase] = between(d.times[phase], d.times[next]);
  }
  return out;
}

function printPhases(deployments: Deployment[]): void {
  const times = deployments.map(phaseTimes);
  const cells = PHASES.slice(0, -1).map((p) => {
    const values = times.map((t) => t[p]).filter((v): v is number => v !== undefined);
    return values.length ? ms(median(values)) : '-';
  });
  print(`| ${PHASES.slice(0, -1).join(' | ')} |`);
  print(`|${'---|'.repeat(PHASES.length - 1)}`);
  print(`| ${cells.join(' | ')} |`);
}

/** Pushes `version`, deploys it and measures until it answers through the proxy. */
async function deployOnce(env: DeployEnv, app: string, host: string, version: string): Promise<{ total: number; build: number; deployment: Deployment }> {
  const { commit } = env.git.push(app, appFiles(version), { append: true });
  const t0 = performance.now();
  const posted = await call<Deployment>(env, 'POST', `/api/v1/apps/${app}/deployments`, { git_commit: commit });
  const total = (await servedAt(env, host, version)) - t0;
  const deployment = await waitSucceeded(env, posted.id);
  const build = await call<Build>(env, 'GET', `/api/v1/builds/${deployment.build_id ?? ''}`);
  return { total, build: between(build.timestamps.queued, build.timestamps.finished), deployment };
}

async function deployOverhead(env: DeployEnv, app: string, host: string, runs: number): Promise<string> {
  const totals: number[] = [];
  const builds: number[] = [];
  const deployments: Deployment[] = [];
  for (let i = 1; i <= runs; i++) {
    const r = await deployOnce(env, app, host, `o${i}`);
    totals.push(r.total);
    builds.push(r.build);
    deployments.push(r.deployment);
  }
  const overheads = totals.map((t, i) => t - (builds[i] ?? NaN));
  print(`\n1. Deploy overhead, ${runs} redeploys (POST deployments -> new version through the proxy, minus the build)`);
  print(`   request -> serving: median ${ms(median(totals))}   runs: ${list(totals)}`);
  print(`   build (record's queued -> finished): median ${ms(median(builds))}   runs: ${list(builds)}`);
  print(`   overhead: median ${ms(median(overheads))}, p90 ${ms(percentile(overheads, 90))}   runs: ${list(overheads)}`);
  print('   phase medians (draining: until the old replica is idle, at most drain_seconds):');
  printPhases(deployments);
  return `o${runs}`;
}

async function rollbacks(env: DeployEnv, app: string, host: string, runs: number, live: string, previous: string): Promise<void> {
  const totals: number[] = [];
  const deployments: Deployment[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const posted = await call<Deployment>(env, 'POST', `/api/v1/apps/${app}/rollback`, {});
    totals.push((await servedAt(env, host, previous)) - t0);
    deployments.push(await waitSucceeded(env, posted.id));
    [live, previous] = [previous, live];
  }
  print(`\n2. Rollback, ${runs} runs (POST rollback -> previous version through the proxy; no build)`);
  print(`   median ${ms(median(totals))}, p90 ${ms(percentile(totals, 90))}   runs: ${list(totals)}`);
  printPhases(deployments);
}

async function redeploysUnderLoad(env: DeployEnv, app: string, host: string, options: Options): Promise<void> {
  const load = new KeepAliveLoad({ port: env.httpPort, host, connections: options.connections, maxMs: 1_800_000, ratePerSecond: options.rate });
  const t0 = performance.now();
  try {
    for (let i = 1; i <= options.redeploys; i++) await deployOnce(env, app, host, `l${i}`);
  } finally {
    const result = await load.stop();
    const seconds = (performance.now() - t0) / 1000;
    print(`\n3. ${options.redeploys} redeploys under ${options.rate} req/s over ${options.connections} keep-alive connections through the proxy`);
    print(`   ${result.requests} requests in ${seconds.toFixed(1)} s (${(result.requests / seconds).toFixed(1)} req/s), ${result.failures} failed`);
    print(`   failure reasons: ${JSON.stringify(Object.fromEntries(result.reasons))}`);
    print(`   answers by version: ${JSON.stringify(Object.fromEntries(result.bodies))}`);
  }
}

async function latencies(port: number, host: string, requests: number, connections: number): Promise<number[]> {
  const done = await new KeepAliveLoad({ port, host, connections, maxMs: 600_000, maxRequests: requests, latencies: true }).finished();
  if (done.failures > 0) throw new Error(`${done.failures} failed requests: ${JSON.stringify(Object.fromEntries(done.reasons))}`);
  return done.latencies;
}

async function proxyLatency(env: DeployEnv, app: string, host: string, options: Options): Promise<void> {
  const direct = await replicaPort(env, app, APP_PORT);
  const { requests, latencyConnections: connections } = options;
  await latencies(direct, host, 200, connections);
  await latencies(env.httpPort, host, 200, connections);
  // Two alternating halves each, so a change of the machine's load weighs on both sides alike.
  const sides = { direct: [] as number[], proxied: [] as number[] };
  for (let round = 0; round < 2; round++) {
    sides.direct.push(...(await latencies(direct, host, requests / 2, connections)));
    sides.proxied.push(...(await latencies(env.httpPort, host, requests / 2, connections)));
  }
  const p = (v: number[], q: number): string => `${percentile(v, q).toFixed(3)} ms`;
  print(`\n4. Proxy added latency: ${requests} GET / each, ${connections} keep-alive connection(s), after 200 warm-up requests each`);
  print(`   direct to the replica (127.0.0.1:${direct}): p50 ${p(sides.direct, 50)}, p99 ${p(sides.direct, 99)}`);
  print(`   through HAProxy (127.0.0.1:${env.httpPort}):   p50 ${p(sides.proxied, 50)}, p99 ${p(sides.proxied, 99)}`);
  const diff = (q: number): string => `${(percentile(sides.proxied, q) - percentile(sides.direct, q)).toFixed(3)} ms`;
  print(`   added by the proxy: p50 ${diff(50)}, p99 ${diff(99)}`);
}

async function main(): Promise<void> {
  const options = parseArgs(process.argv.slice(2));
  process.env.BERTH_TEST_ENGINE = options.engine; // read by the test API support
  const prefix = `berth-bench-${randomBytes(4).toString('hex')}`;
  const env = await startDeployEnv({ redis: { prefix }, deploy: { drain_seconds: 1 } });
  const app = `${env.api.runId}-bench`;
  const host = `${app}.bench.test`;
  try {
    print(`engine: ${options.engine} (${env.api.socketPath}); HAProxy on 127.0.0.1:${env.httpPort}; 1 replica, drain_seconds 1, health check GET / every 1 s`);
    const { url, commit } = env.git.push(app, appFiles('o0'));
    await call(env, 'POST', '/api/v1/apps', { name: app, git_repo: url, git_branch: 'main', buildpack_type: 'dockerfile', domains: [host], drain_seconds: 1 });
    // The first deploy (release 1: routes made, base image layers warm) is not measured.
    const first = await call<Deployment>(env, 'POST', `/api/v1/apps/${app}/deployments`, { git_commit: commit });
    await waitSucceeded(env, first.id);
    await servedAt(env, host, 'o0');
    const live = await deployOverhead(env, app, host, options.runs);
    await rollbacks(env, app, host, options.runs, live, `o${options.runs - 1}`);
    await redeploysUnderLoad(env, app, host, options);
    await proxyLatency(env, app, host, options);
  } finally {
    await call(env, 'DELETE', `/api/v1/apps/${app}?volumes=true`, undefined, [204, 404]).catch((err: unknown) => print(`delete app: ${String(err)}`));
    await env.close();
    const left = await removeLeftovers(env, prefix);
    print(`\ncleaned up: ${left.images} image(s), ${left.keys} Redis key(s) under ${prefix}:`);
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    process.exit(1);
  },
);
