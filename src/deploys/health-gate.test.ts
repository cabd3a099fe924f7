import { runHealthGate, type GateClock, type GateDeps, type Replica } from './health-gate';
import type { ProbeResult } from './http-probe';
import { DEFAULT_HEALTH_CHECK, type HealthCheck } from './release-spec';

/** Time that moves only when the gate sleeps or a probe says it took long: no test waits. */
class SteppedClock implements GateClock {
  time = 0;
  readonly sleeps: number[] = [];
  now = (): number => this.time;
  sleep = async (ms: number): Promise<void> => {
    this.sleeps.push(ms);
    this.time += ms;
  };
}

const replica = (n: number): Replica => ({ replica: n, containerId: `id${n}`, name: `berth-app-r1-${n}`, host: '127.0.0.1', port: 40000 + n });
const check = (over: Partial<HealthCheck> = {}): HealthCheck => ({ ...DEFAULT_HEALTH_CHECK, gateSeconds: 10, ...over });
const status = (s: number): ProbeResult => ({ ok: s >= 200 && s < 400, status: s });
const refused: ProbeResult = { ok: false, error: 'connection refused' };

/** Probes answer from a script per replica (the last entry repeats); exits from a map. */
function deps(script: Record<number, ProbeResult[]>, exits: Record<number, string | undefined> = {}, probeMs = 0) {
  const clock = new SteppedClock();
  const lines: string[] = [];
  const probes: Array<{ port: number; path: string; timeoutMs: number }> = [];
  const counts = new Map<number, number>();
  const d: GateDeps = {
    clock,
    log: (line) => void lines.push(line),
    exited: async (r) => exits[r.replica],
    probe: async (target, timeoutMs) => {
      probes.push({ port: target.port, path: target.path, timeoutMs });
      const n = target.port - 40000;
      const i = counts.get(n) ?? 0;
      counts.set(n, i + 1);
      clock.time += probeMs;
      const list = script[n] ?? [];
      return list[Math.min(i, list.length - 1)] ?? refused;
    },
  };
  return { d, clock, lines, probes };
}

const never = new AbortController().signal;

describe('runHealthGate', () => {
  it('passes once every replica answered 2xx/3xx, probing each until it does, every interval', async () => {
    const { d, clock, lines, probes } = deps({ 1: [refused, status(200)], 2: [refused, status(503), status(302)] });
    await expect(runHealthGate([replica(1), replica(2)], check({ path: '/up' }), d, never)).resolves.toEqual({ passed: true });
    expect(probes.filter((p) => p.port === 40001)).toHaveLength(2);
    expect(probes.filter((p) => p.port === 40002)).toHaveLength(3);
    expect(probes.every((p) => p.path === '/up' && p.timeoutMs === 5000)).toBe(true);
    expect(clock.sleeps).toEqual([1000, 1000]);
    expect(lines).toEqual([
      'health check: GET /up on 2 replica(s), every 1 s, 10 s to pass',
      '[replica 1] probe 1: connection refused',
      '[replica 2] probe 1: connection refused',
      '[replica 1] healthy: HTTP 200 (probe 2)',
      '[replica 2] probe 2: HTTP 503',
      '[replica 2] healthy: HTTP 302 (probe 3)',
    ]);
  });

  it('fails when a replica does not pass within gate_seconds, logging each change once and the last result', async () => {
    const { d, lines, probes } = deps({ 1: [status(200)], 2: [refused, refused, status(500)] });
    const outcome = await runHealthGate([replica(1), replica(2)], check({ gateSeconds: 5 }), d, never);
    expect(outcome).toEqual({
      passed: false,
      reason: 'unhealthy',
      replicas: [replica(2)],
      detail: 'replica(s) 2 did not answer GET / with 2xx or 3xx within 5 s',
    });
    expect(probes.filter((p) => p.port === 40002)).toHaveLength(5);
    expect(lines.slice(1)).toEqual([
      '[replica 1] healthy: HTTP 200 (probe 1)',
      '[replica 2] probe 1: connection refused',
      '[replica 2] probe 3: HTTP 500',
      '[replica 2] not healthy after 5 s: last probe HTTP 500 (5 probes)',
      'health check failed: replica(s) 2 did not answer GET / with 2xx or 3xx within 5 s',
    ]);
  });

  it('never lets a probe run past the gate', async () => {
    const { d, probes } = deps({ 1: [refused] }, {}, 4000);
    await runHealthGate([replica(1)], check({ gateSeconds: 10, timeoutSeconds: 5 }), d, never);
    // 0 s: 5 s left → 5000; 5 s (4 s probe + 1 s sleep): 5 s left; 10 s: over.
    expect(probes.map((p) => p.timeoutMs)).toEqual([5000, 5000]);
    const short = deps({ 1: [refused] }, {}, 2500);
    await runHealthGate([replica(1)], check({ gateSeconds: 6, timeoutSeconds: 5 }), short.d, never);
    expect(short.probes.map((p) => p.timeoutMs)).toEqual([5000, 2500]);
  });

  it('keeps the last real result when the end of the gate cuts a probe short', async () => {
    const { d, clock, lines } = deps({});
    d.probe = async (_target, timeoutMs) => {
      clock.time += timeoutMs < 1000 ? timeoutMs : 300;
      return timeoutMs < 1000 ? { ok: false, error: `no answer within ${timeoutMs} ms`, timedOut: true } : status(500);
    };
    // Rounds at 0, 1.3, 2.6 s; the fourth probe starts at 3.9 s with 0.1 s left of the gate.
    const outcome = await runHealthGate([replica(1)], check({ gateSeconds: 4, timeoutSeconds: 1 }), d, never);
    expect(outcome).toMatchObject({ passed: false, reason: 'unhealthy' });
    expect(lines).toContain('[replica 1] not healthy after 4 s: last probe HTTP 500 (3 probes)');
    expect(lines.some((l) => l.includes('no answer'))).toBe(false);
  });

  it('fails at once when a replica exits, before probing it', async () => {
    const { d, lines, probes } = deps({ 1: [status(200)] }, { 2: 'exited with code 3' });
    const outcome = await runHealthGate([replica(1), replica(2)], check(), d, never);
    expect(outcome).toEqual({ passed: false, reason: 'exited', replicas: [replica(2)], detail: 'replica 2 (berth-app-r1-2) exited with code 3' });
    expect(probes).toEqual([]);
    expect(lines.at(-1)).toBe('health check failed: replica 2 (berth-app-r1-2) exited with code 3');
  });

  it('fails when a replica that passed goes down before the others pass', async () => {
    const exits: Record<number, string | undefined> = {};
    const { d } = deps({ 1: [status(200)], 2: [refused, refused, status(200)] }, exits);
    const original = d.probe;
    d.probe = async (target, timeoutMs, signal) => {
      const result = await original(target, timeoutMs, signal);
      if (target.port === 40002) exits[1] = 'restarted 1 time(s); last exit code 137';
      return result;
    };
    await expect(runHealthGate([replica(1), replica(2)], check(), d, never)).resolves.toMatchObject({ passed: false, reason: 'exited', replicas: [replica(1)] });
  });

  it('stops probing once cancelled', async () => {
    const controller = new AbortController();
    const { d, probes } = deps({ 1: [refused] });
    d.log = (line) => {
      if (line.includes('probe 1')) controller.abort();
    };
    await expect(runHealthGate([replica(1)], check(), d, controller.signal)).resolves.toMatchObject({ passed: false, reason: 'cancelled' });
    expect(probes).toHaveLength(1);
  });
});
