import { randomUUID } from 'node:crypto';
import type { Logger } from 'winston';
import { ConflictError, NotFoundError, ValidationError } from '../errors';
import { isValidBuildId, validateBuildRequest, type ValidatedBuild } from '../builds/build-request';
import { sealBuildSecrets } from '../builds/build-secrets';
import { isTerminal } from '../builds/redis-build.store';
import type { SecretBox } from '../builds/secret-box';
import type { BuildRecord, BuildStatus, BuildStore } from '../builds/build.record';
import { refuseInternalHost } from '../git/host-guard';
import type { BuildList, BuildLogs, BuildRequest, BuildView } from '../models/build.model';
import type { BuildQueue } from '../queue/build-queue.port';
import type { ServerSentEvent } from '../http/sse';
import { followLog } from './log-follow';

export interface BuildServiceOptions {
  allowFileUrls: boolean;
  /** Hosts exempt from the internal-address check (`[git] allowed_hosts`). */
  allowedHosts: readonly string[];
  /** Milliseconds between looks at a followed log. */
  followPollMs: number;
  /** Seals credentials and secret values before they reach Redis (its append-only file keeps them after deletion). */
  secretBox: SecretBox;
  /** Names of the `[[nodes]]` a build may name besides `local`. */
  nodes?: readonly string[];
}

const STATUSES: readonly BuildStatus[] = ['queued', 'cloning', 'building', 'succeeded', 'failed', 'cancelled'];

/** The API's side of builds: validate and queue, read state and logs, cancel, forget. */
export class BuildService {
  constructor(
    private readonly store: BuildStore,
    private readonly queue: BuildQueue,
    private readonly options: BuildServiceOptions,
    private readonly logger: Logger,
  ) {}

  /** Queues a build, or returns the existing one with the same id (`created` false). */
  async submit(req: BuildRequest): Promise<{ created: boolean; build: BuildView }> {
    return this.submitValidated(validateBuildRequest(req, { allowFileUrls: this.options.allowFileUrls, newId: randomUUID, nodes: this.options.nodes ?? [] }));
  }

  /** Queues a validated build (a git build, or a recipe: src/services/recipe.service.ts). */
  async submitValidated({ spec, secrets }: ValidatedBuild): Promise<{ created: boolean; build: BuildView }> {
    const existing = await this.store.get(spec.id);
    if (existing) return { created: false, build: await this.requeueIfLost(existing) };
    if (spec.source !== 'recipe' && spec.gitScheme !== 'file') {
      // The worker resolves and checks again before cloning, and pins git to what it checked.
      const refusal = await refuseInternalHost(spec.gitHost, this.options.allowedHosts);
      if (refusal) throw new ValidationError(refusal, 'git_repo');
    }
    const sealed = secrets ? sealBuildSecrets(this.options.secretBox, spec.id, secrets) : undefined;
    // Record and sealed values in one step: a concurrent submit of the same id that re-queues the
    // build can never let a worker find it without its values.
    const { created, record } = await this.store.create(spec, new Date().toISOString(), sealed);
    if (!created) return { created: false, build: await this.requeueIfLost(record) };
    try {
      await this.queue.enqueue(spec.id);
    } catch (err) {
      await this.store.remove(spec.id).catch(() => undefined);
      throw err;
    }
    this.logger.info('build queued', { buildId: spec.id, buildpack: spec.plan.buildpackType });
    return { created: true, build: toView(record) };
  }

  async get(id: string): Promise<BuildView> {
    return toView(await this.find(id));
  }

  async list(status: string | undefined, limit: number, offset: number): Promise<BuildList> {
    if (status !== undefined && !STATUSES.includes(status as BuildStatus)) {
      throw new ValidationError(`status must be one of ${STATUSES.join(', ')}`, 'status');
    }
    if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw new ValidationError('limit must be 1-200', 'limit');
    if (!Number.isInteger(offset) || offset < 0) throw new ValidationError('offset must be 0 or more', 'offset');
    const { records, total } = await this.store.list({ ...(status ? { status: status as BuildStatus } : {}), limit, offset });
    return { builds: records.map(toView), total, limit, offset };
  }

  /** The stored record (for views built on builds, such as recipes). */
  async record(id: string): Promise<BuildRecord> {
    return this.find(id);
  }

  async logs(id: string): Promise<BuildLogs> {
    const record = await this.find(id);
    const lines = await this.store.readLog(id, 0);
    return { build_id: id, status: record.status, lines, truncated: record.logTruncated };
  }

  /** Log lines as SSE events from `fromSeq`, then one `end` event with the final status. */
  async follow(id: string, fromSeq: number, signal: AbortSignal): Promise<AsyncIterable<ServerSentEvent>> {
    await this.find(id);
    const ended = (record: BuildRecord) => isTerminal(record.status);
    return followLog(this.store, id, ended, { fromSeq, signal, pollMs: this.options.followPollMs });
  }

  /** Cancels a queued or running build; a running one stops within a second. */
  async cancel(id: string): Promise<BuildView> {
    const record = await this.find(id);
    if (isTerminal(record.status)) throw new ConflictError('state_conflict', `build ${id} already ended (${record.status})`);
    await this.store.requestCancel(id);
    if (await this.queue.removeIfWaiting(id)) {
      const now = new Date().toISOString();
      await this.store.transition(id, 'cancelled', { finishedAt: now, error: { code: 'cancelled', message: 'cancelled before it started' } });
      await this.store.appendLog(id, [{ time: now, text: '[berth] build cancelled before a worker took it' }]);
      await this.store.expire(id);
    }
    this.logger.info('build cancel requested', { buildId: id });
    return toView(await this.find(id));
  }

  /** Forgets a finished build: record, log and queue job, so that its id may be built again. */
  async remove(id: string): Promise<void> {
    const record = await this.find(id);
    if (!isTerminal(record.status)) throw new ConflictError('state_conflict', `build ${id} is ${record.status}; cancel it first`);
    if (!(await this.queue.forget(id))) {
      throw new ConflictError('state_conflict', `build ${id} has ended but its worker is still letting go of it; try again in a few seconds`);
    }
    await this.store.remove(id);
  }

  /** The build with this id; an id no build could have is answered 404 before any store access. */
  private async find(id: string): Promise<BuildRecord> {
    if (!isValidBuildId(id)) throw new NotFoundError('build', id.length > 128 ? `${id.slice(0, 128)}...` : id);
    const record = await this.store.get(id);
    if (!record) throw new NotFoundError('build', id);
    return record;
  }

  /** A resubmitted id whose job was lost (e.g. Redis restored from an older file) is queued again. */
  private async requeueIfLost(record: BuildRecord): Promise<BuildView> {
    if (record.status === 'queued') await this.queue.enqueue(record.spec.id);
    return toView(record);
  }
}

export function toView(r: BuildRecord): BuildView {
  const s = r.spec;
  const main = r.images?.find((i) => i.tag === s.plan.imageTag) ?? r.images?.[0];
  const duration = r.finishedAt ? (Date.parse(r.finishedAt) - Date.parse(r.queuedAt)) / 1000 : undefined;
  return {
    id: s.id,
    status: r.status,
    buildpack_type: s.plan.buildpackType,
    ...(s.source !== 'recipe' ? { git_repo: s.gitRepo } : {}),
    ...(s.gitBranch ? { git_branch: s.gitBranch } : {}),
    ...(s.gitCommit ? { git_commit: s.gitCommit } : {}),
    ...(s.baseDirectory ? { base_directory: s.baseDirectory } : {}),
    image_tag: s.plan.imageTag,
    network: s.network ?? 'default',
    node: s.node ?? 'local',
    ...(r.commit ? { commit: r.commit } : {}),
    ...(main ? { image_id: main.id } : {}),
    ...(r.images ? { images: r.images } : {}),
    ...(r.error ? { error: r.error } : {}),
    timestamps: {
      queued: r.queuedAt,
      ...(r.cloningAt ? { cloning: r.cloningAt } : {}),
      ...(r.buildingAt ? { building: r.buildingAt } : {}),
      ...(r.finishedAt ? { finished: r.finishedAt } : {}),
    },
    ...(duration !== undefined ? { duration_seconds: duration } : {}),
    attempts: r.attempts,
    ...(r.plan ? { plan: r.plan } : {}),
    ...(r.cancelRequested && !isTerminal(r.status) ? { cancel_requested: true } : {}),
  };
}
