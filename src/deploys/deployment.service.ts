import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import type { AppRecord, AppStore } from '../apps/app.record';
import { isValidBuildId } from '../builds/build-request';
import { isValidImageReference } from '../builds/image-reference';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isCommitSha } from '../git/git-url';
import type { ServerSentEvent } from '../http/sse';
import type { DeploymentList, DeploymentLogs, DeploymentResult, DeploymentView, ReleaseList } from '../models/deployment.model';
import { followLog } from '../services/log-follow';
import type { DeployQueue } from './deploy-queue.port';
import { DEPLOYMENT_ENDS, type DeploymentKind, type DeploymentRecord, type DeploymentStore, type ReleaseRecord, type ReleaseStore } from './deployment.record';
import { toDeploymentView, toReleaseView } from './deployment.view';

export interface DeploymentServiceOptions {
  /** Milliseconds between looks at a followed log. */
  followPollMs: number;
}

export interface DeployRequest {
  git_commit?: string;
  image?: string;
  force?: boolean;
  /** Who asks: `api`, `webhook:github`, ... */
  trigger: string;
}

/** What `deploy` did: queued a new deployment (`created`), or pointed at the one that makes it moot. */
export interface DeployOutcome {
  created: boolean;
  deployment: DeploymentResult;
  ignored?: 'already_live' | 'in_progress';
}

const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/** The API's side of deployments and releases: validate, dedupe, queue, read, cancel, roll back. */
export class DeploymentService {
  constructor(
    private readonly apps: AppStore,
    private readonly store: DeploymentStore,
    private readonly releases: ReleaseStore,
    private readonly queue: DeployQueue,
    private readonly options: DeploymentServiceOptions,
    private readonly logger: Logger,
  ) {}

  /** Queues a deployment of new code (git apps) or a new image (image apps), unless it is live or running already. */
  async deploy(name: string, req: DeployRequest): Promise<DeployOutcome> {
    const app = await this.findApp(name);
    const wanted = checkDeployRequest(app, req);
    if (!req.force) {
      const existing = await this.duplicateOf(app, wanted);
      if (existing) return { created: false, deployment: toDeploymentView(existing.record, existing.ignored), ignored: existing.ignored };
    }
    const record = await this.createAndEnqueue(app, 'deploy', req.trigger, { ...wanted, force: req.force === true });
    return { created: true, deployment: toDeploymentView(record) };
  }

  async get(id: string): Promise<DeploymentView> {
    return toDeploymentView(await this.find(id));
  }

  /** The app's deployments, newest first. */
  async list(name: string, limit: number, offset: number): Promise<DeploymentList> {
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ValidationError('limit must be 1-200', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be 0 or more', 'offset');
    await this.findApp(name);
    const { records, total } = await this.store.list(name, limit, offset);
    return { deployments: records.map((r) => toDeploymentView(r)), total, limit, offset };
  }

  async logs(id: string): Promise<DeploymentLogs> {
    const record = await this.find(id);
    const lines = await this.store.readLog(id, 0);
    return { deployment_id: id, status: record.status, lines, truncated: record.logTruncated === true };
  }

  /** Log lines as SSE events from `fromSeq`, then one `end` event with the final status (as build logs). */
  async follow(id: string, fromSeq: number, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    await this.find(id);
    const ended = (record: DeploymentRecord) => DEPLOYMENT_ENDS.has(record.status);
    return followLog(this.store, id, ended, { fromSeq, signal, pollMs: this.options.followPollMs });
  }

  /** Cancels a deployment: a queued one no worker has taken ends at once; a running one stops at its next step. */
  async cancel(id: string): Promise<DeploymentView> {
    const record = await this.find(id);
    if (DEPLOYMENT_ENDS.has(record.status)) throw new ConflictError('state_conflict', `deployment ${id} already ended (${record.status})`);
    await this.store.requestCancel(id);
    if (record.status === 'queued' && (await this.queue.removeIfWaiting(id))) {
      const now = new Date().toISOString();
      if (await this.store.transition(id, 'cancelled', { reason: 'cancelled before a worker took it' })) {
        await this.store.appendLog(id, [{ time: now, text: '[berth] deployment cancelled before a worker took it' }]);
      }
    }
    this.logger.info('deployment cancel requested', { deploymentId: id, app: record.app });
    return toDeploymentView(await this.find(id));
  }

  /** Deploys a kept release again (its image and config snapshot) as a new release; default: the one before the live one. */
  async rollback(name: string, release: number | undefined, trigger = 'api'): Promise<DeploymentView> {
    const app = await this.findApp(name);
    if (release !== undefined && (!Number.isInteger(release) || release < 1)) throw new ValidationError('release must be a release number (1 or more)', 'release');
    if (app.liveRelease === undefined) throw new ConflictError('state_conflict', `app ${name} has no live release to roll back from`);
    const target = release === undefined ? await this.releaseBeforeLive(app) : await this.releases.get(name, release);
    if (!target) throw new NotFoundError('release', String(release), 'release');
    if (target.number === app.liveRelease) throw new ConflictError('state_conflict', `release ${target.number} is live already`, 'release');
    const record = await this.createAndEnqueue(app, 'rollback', trigger, {
      rollbackOf: target.number,
      imageId: target.imageId,
      ...(target.commit ? { commit: target.commit } : {}),
    });
    return toDeploymentView(record);
  }

  /** After a change of the app's runtime settings: a `config` deployment of the live image, if anything is live. */
  async configChanged(name: string, trigger = 'api'): Promise<DeploymentView | undefined> {
    const app = await this.findApp(name);
    if (app.liveRelease === undefined) return undefined;
    return toDeploymentView(await this.createAndEnqueue(app, 'config', trigger, {}));
  }

  /** Restarts the live release's replicas one at a time through the health gate. */
  async restart(name: string, trigger = 'api'): Promise<DeploymentView> {
    const app = await this.findApp(name);
    if (app.liveRelease === undefined) throw new ConflictError('state_conflict', `app ${name} has no live release to restart`);
    return toDeploymentView(await this.createAndEnqueue(app, 'restart', trigger, {}));
  }

  /** The app's kept releases, newest first. */
  async listReleases(name: string): Promise<ReleaseList> {
    const app = await this.findApp(name);
    const releases = await this.releases.list(name);
    return { releases: releases.map((r) => toReleaseView(r, app.liveRelease)) };
  }

  /** Stores a queued deployment (superseding the app's waiting ones) and queues it. */
  private async createAndEnqueue(app: AppRecord, kind: DeploymentKind, trigger: string, fields: Partial<DeploymentRecord>): Promise<DeploymentRecord> {
    const record: DeploymentRecord = {
      force: false,
      ...fields,
      id: randomUUID(),
      app: app.name,
      kind,
      status: 'queued',
      trigger,
      times: { queued: new Date().toISOString() },
      attempts: 0,
    };
    if (app.liveRelease !== undefined) record.previousRelease = app.liveRelease;
    const { superseded } = await this.store.create(record);
    for (const id of superseded) {
      // A worker that took one up meanwhile finds it superseded and lets go.
      await this.queue.removeIfWaiting(id).catch((err: Error) => this.logger.warn('superseded deployment job not removed', { deploymentId: id, error: err.message }));
    }
    try {
      await this.queue.enqueue(record.id);
    } catch (err) {
      await this.store.transition(record.id, 'failed', { error: { code: 'redis_unavailable', message: 'the deploy queue was not reachable' } }).catch(() => undefined);
      throw err;
    }
    this.logger.info('deployment queued', { deploymentId: record.id, app: app.name, kind, superseded });
    return (await this.store.get(record.id)) ?? record;
  }

  /** The deployment that makes this request moot: the live release's (same commit or image) or an active one. */
  private async duplicateOf(app: AppRecord, wanted: Wanted): Promise<{ record: DeploymentRecord; ignored: 'already_live' | 'in_progress' } | undefined> {
    if (app.liveRelease !== undefined) {
      const live = await this.releases.get(app.name, app.liveRelease);
      const made = live ? await this.store.get(live.deploymentId) : undefined;
      if (live && made && (sameCommit(wanted.gitCommit, live.commit) || sameImage(wanted.image, live.image))) return { record: made, ignored: 'already_live' };
    }
    for (const active of (await this.store.active(app.name)).reverse()) {
      if (sameCommit(wanted.gitCommit, active.gitCommit) || sameCommit(wanted.gitCommit, active.commit) || sameImage(wanted.image, active.image)) {
        return { record: active, ignored: 'in_progress' };
      }
    }
    return undefined;
  }

  private async releaseBeforeLive(app: AppRecord): Promise<ReleaseRecord | undefined> {
    const releases = await this.releases.list(app.name);
    const older = releases.filter((r) => r.number < (app.liveRelease ?? 0));
    if (older.length === 0) throw new ConflictError('state_conflict', `app ${app.name} has no release before the live one (${app.liveRelease}) to roll back to`);
    return older[0];
  }

  private async findApp(name: string): Promise<AppRecord> {
    if (!APP_NAME.test(name)) throw new NotFoundError('app', name.length > 63 ? `${name.slice(0, 63)}...` : name);
    const app = await this.apps.get(name);
    if (!app) throw new NotFoundError('app', name);
    return app;
  }

  /** The deployment with this id; an id no deployment could have is answered 404 before any store access. */
  private async find(id: string): Promise<DeploymentRecord> {
    if (!isValidBuildId(id)) throw new NotFoundError('deployment', id.length > 128 ? `${id.slice(0, 128)}...` : id);
    const record = await this.store.get(id);
    if (!record) throw new NotFoundError('deployment', id);
    return record;
  }
}

type Wanted = Pick<DeploymentRecord, 'gitCommit' | 'image'>;

/** Checks the request against the app's source; resolves what is asked for. */
function checkDeployRequest(app: AppRecord, req: DeployRequest): Wanted {
  if (req.force !== undefined && typeof req.force !== 'boolean') throw new ValidationError('force must be true or false', 'force');
  if (app.source.type === 'git') {
    if (req.image !== undefined) throw new ValidationError(`app ${app.name} builds from git: give git_commit, not image`, 'image');
    if (req.git_commit === undefined) return {};
    if (typeof req.git_commit !== 'string' || !isCommitSha(req.git_commit))
      throw new ValidationError('git_commit must be a commit SHA (7 to 64 hex digits)', 'git_commit');
    return { gitCommit: req.git_commit.toLowerCase() };
  }
  if (req.git_commit !== undefined) throw new ValidationError(`app ${app.name} runs an image: give image, not git_commit`, 'git_commit');
  if (req.image !== undefined && (typeof req.image !== 'string' || !isValidImageReference(req.image))) {
    throw new ValidationError('image must be an image reference such as registry.example/app:1.2 (or an image id)', 'image');
  }
  return { image: req.image ?? app.source.image };
}

/** Full or abbreviated SHAs of the same commit: one is a prefix of the other. */
function sameCommit(a: string | undefined, b: string | undefined): boolean {
  if (!a || !b) return false;
  const [x, y] = [a.toLowerCase(), b.toLowerCase()];
  return x.startsWith(y) || y.startsWith(x);
}

function sameImage(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && b !== undefined && a === b;
}
