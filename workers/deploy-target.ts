import type { AppRecord, AppRuntimeConfig, AppStore } from '../src/apps/app.record';
import type { DeploymentRecord, ReleaseRecord, ReleaseStore } from '../src/deploys/deployment.record';
import type { ReleaseSpec } from '../src/deploys/release-spec';
import type { ContainerEngine } from '../src/engine/engine.port';
import { AppError, NotFoundError } from '../src/errors';
import { LOCAL_NODE, nodeOf } from './deploy-nodes';

/** Port an app gets when it neither names one nor its image EXPOSEs exactly one; PORT is set to it. */
export const DEFAULT_APP_PORT = 3000;

/** What a new release runs: image, config snapshot and port, before any secret value is opened. */
export interface ReleaseTarget {
  /** The reference as built or given, for display. */
  image: string;
  /** What the containers are made from: a tag can move, an id cannot. */
  imageId: string;
  commit?: string;
  config: AppRuntimeConfig;
  port: number;
  setPortEnv: boolean;
}

export type TargetImage = Pick<ReleaseTarget, 'image' | 'imageId' | 'commit'>;

/** Reads what each kind of deployment runs from the app, its releases and the engine. */
export class TargetResolver {
  constructor(
    private readonly apps: Pick<AppStore, 'secrets'>,
    private readonly releases: Pick<ReleaseStore, 'get'>,
    /** The engine of each node, where a release's image must be. */
    private readonly nodes: { images(node: string): Pick<ContainerEngine, 'inspectImage'> },
  ) {}

  /**
   * rollback: that release's image and snapshot (and node); restart/start: the release that was
   * live, as it was; config: the live release's image with the app's config, on the live release's
   * node; deploy: `image` (built or given), on the app's node.
   */
  async resolve(app: AppRecord, record: DeploymentRecord, image?: () => Promise<TargetImage>): Promise<ReleaseTarget> {
    switch (record.kind) {
      case 'rollback':
        return fromRelease(await this.release(app.name, record.rollbackOf, 'rollback_of'));
      case 'restart':
      case 'start':
        return fromRelease(await this.release(app.name, record.previousRelease ?? app.liveRelease, 'release'));
      case 'config': {
        const live = await this.release(app.name, record.previousRelease ?? app.liveRelease, 'release');
        // The live image is on the live release's node: only a `deploy` moves an app to its new node.
        const { node: _next, ...config } = app.config;
        return this.withPort(
          { ...config, ...(live.config.node !== undefined ? { node: live.config.node } : {}) },
          { image: live.image, imageId: live.imageId, ...(live.commit ? { commit: live.commit } : {}) },
        );
      }
      case 'deploy':
        if (!image) throw new AppError('deploy_error', 'no image to deploy');
        return this.withPort(app.config, await image());
    }
  }

  /** The id of a given image reference; it must be on the node the app runs on. */
  async imageId(ref: string, node: string): Promise<string> {
    try {
      return (await this.nodes.images(node).inspectImage(ref)).id;
    } catch (err) {
      if (err instanceof NotFoundError) {
        const where = node === LOCAL_NODE ? 'this host' : `node ${node}`;
        throw new AppError('image_not_found', `image ${ref} is not on ${where}: pull or build it there first`, 'image');
      }
      throw err;
    }
  }

  /** The release's spec with the values of its secrets version. */
  async spec(app: string, release: number, target: ReleaseTarget): Promise<{ spec: ReleaseSpec; secretValues: string[] }> {
    const { config } = target;
    const secrets = await this.apps.secrets(app, config.secretsVersion);
    if (!secrets) throw new AppError('secrets_missing', `the app's secrets version ${config.secretsVersion} is gone`);
    const env = Object.fromEntries(config.envNames.filter((n) => n in secrets.env).map((n) => [n, secrets.env[n] ?? '']));
    const spec: ReleaseSpec = {
      app,
      release,
      image: target.imageId,
      env,
      port: target.port,
      setPortEnv: target.setPortEnv && !('PORT' in env),
      replicas: config.replicas,
      ...(config.memoryBytes !== undefined ? { memoryBytes: config.memoryBytes } : {}),
      ...(config.cpus !== undefined ? { cpus: config.cpus } : {}),
      ...(config.command ? { command: config.command } : {}),
      volumes: config.volumes,
      healthCheck: config.healthCheck,
    };
    return { spec, secretValues: Object.values(env) };
  }

  /** The app's port; else the image's single EXPOSE; else 3000 with PORT set. */
  private async withPort(config: AppRuntimeConfig, image: TargetImage): Promise<ReleaseTarget> {
    if (config.port !== undefined) return { ...image, config, port: config.port, setPortEnv: true };
    const exposed = (await this.nodes.images(nodeOf(config)).inspectImage(image.imageId)).exposedPorts ?? [];
    const [only] = exposed;
    if (exposed.length === 1 && only !== undefined) return { ...image, config, port: only, setPortEnv: false };
    return { ...image, config, port: DEFAULT_APP_PORT, setPortEnv: true };
  }

  private async release(app: string, number: number | undefined, field: string): Promise<ReleaseRecord> {
    const found = number === undefined ? undefined : await this.releases.get(app, number);
    if (!found) {
      throw new AppError('release_not_found', number === undefined ? `app ${app} has no live release` : `release ${number} of ${app} is not kept`, field);
    }
    return found;
  }
}

export function fromRelease(r: ReleaseRecord): ReleaseTarget {
  return { image: r.image, imageId: r.imageId, ...(r.commit ? { commit: r.commit } : {}), config: r.config, port: r.port, setPortEnv: r.setPortEnv };
}

/** `berth-app/<app>:<first 12 of the deployment id>`: one tag per deployment, never moved by another. */
export function deployImageTag(app: string, deploymentId: string): string {
  const short =
    deploymentId
      .toLowerCase()
      .replace(/[^a-z0-9]/g, '')
      .slice(0, 12) || 'latest';
  return `berth-app/${app}:${short}`;
}
