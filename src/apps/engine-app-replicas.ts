import type { DeploymentStore } from '../deploys/deployment.record';
import { APP_LABEL, RELEASE_LABEL, REPLICA_LABEL } from '../deploys/release-spec';
import type { ContainerEngine } from '../engine/engine.port';
import { NotFoundError } from '../errors';
import { INSTANCE_LABEL, MANAGED_LABEL } from '../services/container-spec';
import type { AppReplicaReader, AppReplicaState } from './app-replicas.port';
import type { AppRecord } from './app.record';

export type AppReplicasEngine = Pick<ContainerEngine, 'listContainers' | 'inspectContainer'>;

/** The app views' runtime: a deployment not ended, and the live release's containers as the engine reports them. */
export class EngineAppReplicas implements AppReplicaReader {
  constructor(
    private readonly engine: AppReplicasEngine,
    private readonly deployments: Pick<DeploymentStore, 'active'>,
    /** `[server] instance`. */
    private readonly instance: string,
  ) {}

  async read(app: AppRecord): Promise<{ deploying: boolean; replicas: AppReplicaState[] }> {
    const [active, replicas] = await Promise.all([this.deployments.active(app.name), this.replicas(app)]);
    return { deploying: active.length > 0, replicas };
  }

  private async replicas(app: AppRecord): Promise<AppReplicaState[]> {
    if (app.liveRelease === undefined) return [];
    const labels = [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${this.instance}`, `${APP_LABEL}=${app.name}`, `${RELEASE_LABEL}=${app.liveRelease}`];
    const found = await this.engine.listContainers({ all: true, labels });
    const states = await Promise.all(
      found.map(async (c): Promise<AppReplicaState | undefined> => {
        // Restarts are only in the details; a container removed meanwhile is left out.
        const details = await this.engine.inspectContainer(c.id).catch((err: unknown) => {
          if (err instanceof NotFoundError) return undefined;
          throw err;
        });
        if (!details) return undefined;
        const published = details.ports.find((p) => p.hostPort !== undefined);
        return {
          replica: Number(c.labels[REPLICA_LABEL] ?? 0),
          containerId: c.id,
          state: details.state.status,
          restarts: details.restartCount,
          ...(details.state.running && published ? { address: `${published.hostIp || '127.0.0.1'}:${published.hostPort}` } : {}),
        };
      }),
    );
    return states.filter((s): s is AppReplicaState => s !== undefined).sort((a, b) => a.replica - b.replica);
  }
}
