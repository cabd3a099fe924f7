import type { DeploymentRecord } from '../deploys/deployment.record';
import type { ContainerDetails, ContainerSummary } from '../engine/engine.port';
import { NotFoundError } from '../errors';
import type { AppRecord } from './app.record';
import { EngineAppReplicas, type AppReplicasEngine } from './engine-app-replicas';

/** Containers by id; lists filter by `key=value` labels as the engine does. */
class FakeEngine implements AppReplicasEngine {
  readonly containers: Array<{ summary: ContainerSummary; details?: ContainerDetails }> = [];
  readonly asked: string[][] = [];

  add(id: string, labels: Record<string, string>, state: { status: string; restarts: number; hostPort?: number; gone?: boolean }) {
    const ports = state.hostPort ? [{ containerPort: 3000, protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: state.hostPort }] : [];
    const summary = { id, name: id, image: 'img', state: state.status, status: state.status, created: '', labels, ports };
    const details = {
      ...summary,
      imageId: 'sha256:1',
      command: [],
      state: { status: state.status, running: state.status === 'running', exitCode: 0 },
      restartCount: state.restarts,
      restartPolicy: 'unless-stopped',
      envNames: [],
      tty: false,
    };
    this.containers.push({ summary, ...(state.gone ? {} : { details }) });
  }

  async listContainers(options: { all: boolean; labels: string[] }): Promise<ContainerSummary[]> {
    this.asked.push(options.labels);
    const wanted = options.labels.map((l) => l.split('='));
    return this.containers.filter((c) => wanted.every(([k, v]) => c.summary.labels[k!] === v)).map((c) => c.summary);
  }

  async inspectContainer(ref: string): Promise<ContainerDetails> {
    const found = this.containers.find((c) => c.summary.id === ref)?.details;
    if (!found) throw new NotFoundError('container', ref);
    return found;
  }
}

const labels = (release: number, replica: number, instance = 'default') => ({
  'berth.managed': 'true',
  'berth.instance': instance,
  'berth.app': 'web',
  'berth.release': String(release),
  'berth.replica': String(replica),
});

const app = (liveRelease?: number) => ({ name: 'web', ...(liveRelease !== undefined ? { liveRelease } : {}) }) as AppRecord;

describe('EngineAppReplicas', () => {
  it("reads the live release's replicas in order, with restarts and the address of running ones", async () => {
    const engine = new FakeEngine();
    engine.add('c2', labels(3, 2), { status: 'restarting', restarts: 4, hostPort: 40002 });
    engine.add('c1', labels(3, 1), { status: 'running', restarts: 0, hostPort: 40001 });
    engine.add('old', labels(2, 1), { status: 'running', restarts: 0, hostPort: 40000 });
    engine.add('other', labels(3, 3, 'staging'), { status: 'running', restarts: 0 });
    engine.add('gone', labels(3, 4), { status: 'running', restarts: 0, gone: true });
    const reader = new EngineAppReplicas(engine, { active: async () => [] }, 'default');
    expect(await reader.read(app(3))).toEqual({
      deploying: false,
      replicas: [
        { replica: 1, containerId: 'c1', state: 'running', restarts: 0, address: '127.0.0.1:40001' },
        { replica: 2, containerId: 'c2', state: 'restarting', restarts: 4 },
      ],
    });
  });

  it('says deploying while a deployment has not ended, and asks the engine nothing before a release is live', async () => {
    const engine = new FakeEngine();
    const reader = new EngineAppReplicas(engine, { active: async () => [{ id: 'd1' } as DeploymentRecord] }, 'default');
    expect(await reader.read(app())).toEqual({ deploying: true, replicas: [] });
    expect(engine.asked).toEqual([]);
  });
});
