import { RECENT_RESTART_MS, appStatus, replicaStateOf, type AppStatusInput, type ReplicaState } from './app-status';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const LONG_AGO = new Date(NOW - RECENT_RESTART_MS - 1000).toISOString();

const replica = (n: number, over: Partial<ReplicaState> = {}): ReplicaState => ({
  replica: n,
  release: 2,
  containerId: `c${n}`,
  name: `berth-web-r2-${n}`,
  state: 'running',
  restarts: 0,
  startedAt: LONG_AGO,
  ...over,
});

const input = (over: Partial<AppStatusInput> = {}): AppStatusInput => ({
  stopped: false,
  deploying: false,
  liveRelease: 2,
  replicas: [replica(1), replica(2)],
  now: NOW,
  ...over,
});

describe('appStatus', () => {
  it('is running when every live replica runs', () => {
    expect(appStatus(input())).toBe('running');
  });

  it('is new before any release, unless a first deployment runs', () => {
    expect(appStatus(input({ liveRelease: undefined, replicas: [] }))).toBe('new');
    expect(appStatus(input({ liveRelease: undefined, replicas: [], deploying: true }))).toBe('deploying');
  });

  it('says stopped when the app was stopped, whatever its containers do', () => {
    expect(appStatus(input({ stopped: true }))).toBe('stopped');
    expect(appStatus(input({ stopped: true, deploying: true, replicas: [] }))).toBe('stopped');
  });

  it('says deploying while a deployment is active', () => {
    expect(appStatus(input({ deploying: true, replicas: [replica(1, { state: 'exited' })] }))).toBe('deploying');
  });

  it('is crashed when no live replica runs', () => {
    const replicas = [replica(1, { state: 'exited' }), replica(2, { state: 'restarting', restarts: 3 })];
    expect(appStatus(input({ replicas }))).toBe('crashed');
    expect(appStatus(input({ replicas: [replica(1, { state: 'missing', containerId: undefined })] }))).toBe('crashed');
    expect(appStatus(input({ replicas: [] }))).toBe('crashed');
  });

  it('ignores replicas of other releases (an old release still draining)', () => {
    expect(appStatus(input({ replicas: [replica(1, { release: 1 }), replica(1, { state: 'exited' })] }))).toBe('crashed');
    expect(appStatus(input({ replicas: [replica(1, { release: 1, state: 'exited' }), replica(1)] }))).toBe('running');
  });

  it('is degraded when some live replicas do not run', () => {
    expect(appStatus(input({ replicas: [replica(1), replica(2, { state: 'exited' })] }))).toBe('degraded');
    expect(appStatus(input({ replicas: [replica(1), replica(2, { state: 'missing', containerId: undefined })] }))).toBe('degraded');
  });

  it('is degraded when a replica restarted lately, running again after it', () => {
    const lately = new Date(NOW - 10_000).toISOString();
    expect(appStatus(input({ replicas: [replica(1), replica(2, { restarts: 1, startedAt: lately })] }))).toBe('degraded');
    expect(appStatus(input({ replicas: [replica(1), replica(2, { restarts: 1, startedAt: LONG_AGO })] }))).toBe('running');
    expect(appStatus(input({ replicas: [replica(1), replica(2, { restarts: 1, startedAt: undefined })] }))).toBe('degraded');
  });

  it('is degraded when a replica answers its health path badly', () => {
    const replicas = [replica(1, { health: { healthy: true, detail: 'HTTP 200' } }), replica(2, { health: { healthy: false, detail: 'HTTP 500' } })];
    expect(appStatus(input({ replicas }))).toBe('degraded');
  });
});

describe('replicaStateOf', () => {
  it.each([
    ['running', true, 'running'],
    ['restarting', true, 'restarting'],
    ['restarting', false, 'restarting'],
    ['created', false, 'created'],
    ['configured', false, 'created'],
    ['exited', false, 'exited'],
    ['dead', false, 'exited'],
    ['paused', false, 'exited'],
    ['stopped', false, 'exited'],
  ] as const)('%s (running=%s) is %s', (status, running, expected) => {
    expect(replicaStateOf(status, running)).toBe(expected);
  });
});
