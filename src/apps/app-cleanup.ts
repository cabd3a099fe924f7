import type { ContainerEngine, VolumeRemoval } from '../engine/engine.port';
import { NotFoundError } from '../errors';
import { APP_LABEL, volumeName } from '../deploys/release-spec';
import type { ContainerRegistry } from '../services/container-registry.port';
import { INSTANCE_LABEL, MANAGED_LABEL } from '../services/container-spec';

export type AppCleanupEngine = Pick<ContainerEngine, 'listContainers' | 'removeContainer'> & VolumeRemoval;

/** What deleting an app removes from the engine: only what this Berth recorded making for it. */
export class AppCleanup {
  constructor(
    private readonly engine: AppCleanupEngine,
    private readonly registry: ContainerRegistry,
    /** `[server] instance`. */
    private readonly instance: string,
  ) {}

  /**
   * Force-removes every container of the app that this Berth recorded; labels alone are not
   * trusted (anyone with the engine can write them). Resolves with how many went.
   */
  async removeContainers(app: string): Promise<number> {
    const labels = [`${MANAGED_LABEL}=true`, `${INSTANCE_LABEL}=${this.instance}`, `${APP_LABEL}=${app}`];
    const found = await this.engine.listContainers({ all: true, labels });
    const ours = await this.registry.recorded(found.map((c) => c.id));
    await Promise.all(
      [...ours].map(async (id) => {
        try {
          await this.engine.removeContainer(id, { force: true });
        } catch (err) {
          if (!(err instanceof NotFoundError)) throw err;
        }
        await this.registry.remove(id);
      }),
    );
    return ours.size;
  }

  /** Removes the app's named volumes (`berth-<app>_<volume>`); missing ones are skipped. Resolves with their engine names. */
  async removeVolumes(app: string, volumes: readonly string[]): Promise<string[]> {
    const names = volumes.map((v) => volumeName(app, v));
    for (const name of names) await this.engine.removeVolume(name);
    return names;
  }
}
