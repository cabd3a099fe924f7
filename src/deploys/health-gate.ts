import { setTimeout as delay } from 'node:timers/promises';
import type { HealthCheck } from './release-spec';
import { describeProbe, type Prober, type ProbeResult } from './http-probe';

/** A started replica, as the gate and the proxy see it. */
export interface Replica {
  replica: number;
  containerId: string;
  name: string;
  host: string;
  port: number;
}

/** Time as the gate sees it: real timers in production, a stepped clock in unit tests. */
export interface GateClock {
  now: () => number;
  /** Resolves after `ms`, or early once `signal` aborts. */
  sleep: (ms: number, signal: AbortSignal) => Promise<void>;
}

export const realClock: GateClock = {
  now: () => Date.now(),
  sleep: (ms, signal) => delay(ms, undefined, { signal }).catch(() => undefined),
};

export interface GateDeps {
  probe: Prober;
  /** Why the replica is no longer up (exited, restarted), or undefined while it runs. */
  exited: (replica: Replica) => Promise<string | undefined>;
  clock: GateClock;
  log: (line: string) => void;
}

export type GateOutcome =
  | { passed: true }
  | { passed: false; reason: 'exited'; replicas: Replica[]; detail: string }
  | { passed: false; reason: 'unhealthy'; replicas: Replica[]; detail: string }
  | { passed: false; reason: 'cancelled'; replicas: Replica[]; detail: string };

interface Tracked {
  replica: Replica;
  passed: boolean;
  tries: number;
  last?: ProbeResult;
}

/**
 * Probes every replica each `intervalSeconds` until each has answered 2xx/3xx once, checking
 * before each round that none has exited. Logs a replica's result when it changes (a minute of
 * the same "connection refused" is one line), and every replica's last result on failure.
 */
export async function runHealthGate(replicas: Replica[], check: HealthCheck, deps: GateDeps, signal: AbortSignal): Promise<GateOutcome> {
  const { clock, log } = deps;
  const deadline = clock.now() + check.gateSeconds * 1000;
  const tracked: Tracked[] = replicas.map((replica) => ({ replica, passed: false, tries: 0 }));
  log(`health check: GET ${check.path} on ${replicas.length} replica(s), every ${check.intervalSeconds} s, ${check.gateSeconds} s to pass`);
  for (;;) {
    if (signal.aborted) return { passed: false, reason: 'cancelled', replicas, detail: 'cancelled during the health check' };
    const exit = await firstExit(tracked, deps);
    if (exit) return exit;
    const pending = tracked.filter((t) => !t.passed);
    if (pending.length === 0) return { passed: true };
    const left = deadline - clock.now();
    if (left <= 0) return timedOut(pending, check, log);
    const fullMs = check.timeoutSeconds * 1000;
    const timeoutMs = Math.min(fullMs, left);
    await Promise.all(pending.map((t) => probeOnce(t, check.path, { timeoutMs, cut: timeoutMs < fullMs }, deps, signal)));
    if (pending.every((t) => t.passed) || signal.aborted) continue;
    const wait = Math.min(check.intervalSeconds * 1000, deadline - clock.now());
    if (wait > 0) await clock.sleep(wait, signal);
  }
}

async function firstExit(tracked: Tracked[], deps: GateDeps): Promise<GateOutcome | undefined> {
  const reasons = await Promise.all(tracked.map((t) => deps.exited(t.replica)));
  const index = reasons.findIndex((r) => r !== undefined);
  const t = tracked[index];
  if (index < 0 || t === undefined) return undefined;
  const detail = `replica ${t.replica.replica} (${t.replica.name}) ${reasons[index]}`;
  deps.log(`health check failed: ${detail}`);
  return { passed: false, reason: 'exited', replicas: [t.replica], detail };
}

/** `cut`: the gate ends before the probe's own timeout would; a timeout then says nothing of the replica. */
async function probeOnce(t: Tracked, path: string, time: { timeoutMs: number; cut: boolean }, deps: GateDeps, signal: AbortSignal): Promise<void> {
  const result = await deps.probe({ host: t.replica.host, port: t.replica.port, path }, time.timeoutMs, signal);
  if (signal.aborted || (time.cut && 'timedOut' in result)) return;
  t.tries += 1;
  const text = describeProbe(result);
  const changed = t.last === undefined || describeProbe(t.last) !== text;
  t.last = result;
  if (result.ok) {
    t.passed = true;
    deps.log(`[replica ${t.replica.replica}] healthy: ${text} (probe ${t.tries})`);
  } else if (changed) {
    deps.log(`[replica ${t.replica.replica}] probe ${t.tries}: ${text}`);
  }
}

function timedOut(pending: Tracked[], check: HealthCheck, log: (line: string) => void): GateOutcome {
  for (const t of pending) {
    const last = t.last ? `last probe ${describeProbe(t.last)} (${t.tries} probes)` : 'no probe finished';
    log(`[replica ${t.replica.replica}] not healthy after ${check.gateSeconds} s: ${last}`);
  }
  const names = pending.map((t) => t.replica.replica).join(', ');
  const detail = `replica(s) ${names} did not answer GET ${check.path} with 2xx or 3xx within ${check.gateSeconds} s`;
  log(`health check failed: ${detail}`);
  return { passed: false, reason: 'unhealthy', replicas: pending.map((t) => t.replica), detail };
}
