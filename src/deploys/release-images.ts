import type { AppStore } from '../apps/app.record';
import type { ReleaseStore } from './deployment.record';

/** The kept release that holds an image. */
export interface ImageHolder {
  app: string;
  release: number;
}

/** Images the kept releases of every app run: they stay, so a rollback always finds its image. */
export interface ReleaseImages {
  /** Image id → the newest kept release using it. */
  protectedImages(): Promise<Map<string, ImageHolder>>;
}

/**
 * Over the stores: every app's kept releases (one range and one multi-get per app). Image removal
 * is rare and apps are few, so a scan is cheaper than keeping a second index in step with retention.
 */
export class StoreReleaseImages implements ReleaseImages {
  constructor(
    private readonly apps: Pick<AppStore, 'list'>,
    private readonly releases: Pick<ReleaseStore, 'list'>,
  ) {}

  async protectedImages(): Promise<Map<string, ImageHolder>> {
    const held = new Map<string, ImageHolder>();
    for (const app of await this.apps.list()) {
      // Newest first: the first release seen names the image.
      for (const release of await this.releases.list(app.name)) {
        if (!held.has(release.imageId)) held.set(release.imageId, { app: app.name, release: release.number });
      }
    }
    return held;
  }
}
