import { setMaxListeners } from 'node:events';
import { lstat, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'winston';
import { planBuild } from '../buildpacks';
import { PlanError, type BuildPlan, type BuildpackSettings } from '../buildpacks/plan';
import { AppError, BuildFailedError, UnavailableError } from '../src/errors';
import { buildJobSchema } from '../src/builds/build.job';
import type { BuildDirs } from '../src/builds/build-dirs';
import { BuildLogWriter } from '../src/builds/build-log.writer';
import type { BuildSpec } from '../src/builds/build-request';
import type { BuildRecord, BuildStore, BuiltImage } from '../src/builds/build.record';
import { FsWorkspace, isInside } from '../src/builds/fs-workspace';
import { isTerminal } from '../src/builds/redis-build.store';
import type { ContainerEngine } from '../src/engine/engine.port';
import { INSTANCE_LABEL } from '../src/services/container-spec';
import { BUILD_ID_LABEL, COMMIT_LABEL, REPO_LABEL } from '../src/services/image.service';
import type { CloneRequest, GitClient, GitCredentials } from '../src/git/git.port';
import { refuseInternalHost } from '../src/git/host-guard';

export interface BuildProcessorOptions {
  instance: string;
  timeoutMs: number;
  cloneTimeoutMs: number;
  memoryBytes?: number;
  nanoCpus?: number;
  /** Most processes a build's RUN steps run at once; none when absent. */
  pidsLimit?: number;
  allowFileUrls: boolean;
  allowedHosts: readonly string[];
  /** Credentials per git host from the config, used when the request brings none. */
  hostCredentials: Record<string, GitCredentials>;
  buildpacks: BuildpackSettings;
  /** Milliseconds between looks at the build's cancel flag. */
  cancelPollMs: number;
}

/** Why a build attempt was stopped from outside. */
type StopReason = 'cancelled' | 'timeout';

/** Takes one build job from clone to image, keeping the build record and log up to date. */
export class BuildProcessor {
  constructor(
    private readonly store: BuildStore,
    private readonly engine: ContainerEngine,
    private readonly git: GitClient,
    private readonly dirs: BuildDirs,
    private readonly options: BuildProcessorOptions,
    private readonly logger: Logger,
  ) {}

  /** BullMQ's processor: plain errors are retried, UnrecoverableError ends the job. */
  async process(job: Job): Promise<void> {
    const parsed = buildJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job payload: ${parsed.error.message}`);
    const { buildId } = parsed.data;
    const record = await this.store.get(buildId);
    if (!record || isTerminal(record.status)) return; // forgotten or cancelled while queued
    const attempt = await this.store.countAttempt(buildId);
    const log = new BuildLogWriter(this.store, buildId, (err) => this.logger.warn('log write failed', { buildId, error: String(err) }));
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.attempt(record, attempt, log);
    } catch (err) {
      await this.fail(buildId, err, log, lastTry);
    } finally {
      await log.flush();
      const final = await this.store.get(buildId).catch(() => undefined);
      if (final && isTerminal(final.status)) await this.store.expire(buildId).catch(() => undefined);
    }
  }

  private async attempt(record: BuildRecord, attempt: number, log: BuildLogWriter): Promise<void> {
    const { spec } = record;
    const controller = new AbortController();
    // Each git process simple-git starts listens on the signal; a clone by commit starts several.
    setMaxListeners(50, controller.signal);
    const stop = (reason: StopReason) => controller.abort(reason);
    const dir = await this.dirs.create(spec.id);
    const timeout = setTimeout(() => stop('timeout'), this.options.timeoutMs);
    const poll = setInterval(() => {
      this.store.isCancelRequested(spec.id).then((yes) => yes && stop('cancelled'), () => undefined);
    }, this.options.cancelPollMs);
    try {
      if (attempt > 1) log.line(`[berth] attempt ${attempt}: taking the build up again`);
      if (record.cancelRequested) stop('cancelled');
      const commit = await this.clone(spec, dir, log, controller.signal);
      const root = await this.contextRoot(dir, spec.baseDirectory);
      const plan = this.plan(root, spec, log);
      await this.store.transition(spec.id, 'building', { buildingAt: now(), plan: { buildpack: plan.buildpack, ...plan.details } });
      const images = await this.buildImages(plan, root, spec, commit, log, controller.signal);
      log.line(`[berth] build succeeded: ${images.map((i) => `${i.tag} (${i.id.slice(0, 19)})`).join(', ')}`);
      await log.flush();
      await this.store.transition(spec.id, 'succeeded', { finishedAt: now(), images });
      this.logger.info('build succeeded', { buildId: spec.id, images: images.map((i) => i.tag) });
    } catch (err) {
      throw controller.signal.aborted ? new StoppedError(controller.signal.reason as StopReason) : err;
    } finally {
      clearTimeout(timeout);
      clearInterval(poll);
      await this.dirs.remove(dir);
    }
  }

  private async clone(spec: BuildSpec, dir: string, log: BuildLogWriter, signal: AbortSignal): Promise<string> {
    await this.store.transition(spec.id, 'cloning', { cloningAt: now() });
    if (spec.gitScheme !== 'file') {
      const refusal = await refuseInternalHost(spec.gitHost, this.options.allowedHosts);
      if (refusal) throw new BuildFailedError(refusal, 'host_refused');
    }
    const ref = spec.gitCommit ? `commit ${spec.gitCommit}` : spec.gitBranch ? `branch ${spec.gitBranch}` : 'the default branch';
    log.line(`[berth] cloning ${spec.gitRepo} (${ref})`);
    const credentials = await this.credentials(spec);
    const request: CloneRequest = {
      url: spec.gitRepo,
      ...(spec.gitBranch ? { branch: spec.gitBranch } : {}),
      ...(spec.gitCommit ? { commit: spec.gitCommit } : {}),
      dir: join(dir, 'src'),
      submodules: spec.submodules,
      allowFileProtocol: this.options.allowFileUrls,
      ...(credentials ? { credentials } : {}),
      timeoutMs: this.options.cloneTimeoutMs,
      signal,
    };
    const { commit } = await this.git.clone(request);
    await this.store.update(spec.id, { commit });
    log.line(`[berth] checked out ${commit}`);
    return commit;
  }

  private async credentials(spec: BuildSpec): Promise<GitCredentials | undefined> {
    const stored = await this.store.takeSecrets(spec.id);
    if (stored) return JSON.parse(stored) as GitCredentials;
    return this.options.hostCredentials[spec.gitHost.toLowerCase()];
  }

  private async contextRoot(dir: string, baseDirectory: string): Promise<string> {
    const checkout = join(dir, 'src');
    const root = join(checkout, baseDirectory);
    const info = await lstat(root).catch(() => undefined);
    // lstat follows symlinks before the last component (`link/app`): the real path must stay inside too.
    const real = await realpath(root).catch(() => undefined);
    const realCheckout = await realpath(checkout).catch(() => checkout);
    if (!info?.isDirectory() || !isInside(checkout, root) || real === undefined || !isInside(realCheckout, real)) {
      throw new BuildFailedError(`base_directory "${baseDirectory}" is not a directory of the repository`);
    }
    return root;
  }

  private plan(root: string, spec: BuildSpec, log: BuildLogWriter): BuildPlan {
    try {
      const plan = planBuild(new FsWorkspace(root), spec.plan, this.options.buildpacks);
      for (const line of plan.summary) log.line(`[plan] ${line}`);
      return plan;
    } catch (err) {
      if (err instanceof PlanError) throw new BuildFailedError(err.field ? `${err.message} (${err.field})` : err.message, err.code);
      throw err;
    }
  }

  private async buildImages(plan: BuildPlan, root: string, spec: BuildSpec, commit: string, log: BuildLogWriter, signal: AbortSignal): Promise<BuiltImage[]> {
    const images: BuiltImage[] = [];
    for (const image of plan.images) {
      const context = join(root, image.context);
      if (!isInside(root, context)) throw new BuildFailedError(`build context "${image.context}" leaves the repository`);
      await writeGeneratedFiles(context, image.files);
      log.line(`[berth] building ${image.tag}${image.service ? ` (service ${image.service})` : ''}`);
      const { imageId } = await this.engine.buildImage(
        {
          contextDir: context,
          dockerfile: image.dockerfile,
          alwaysSend: Object.keys(image.files),
          tag: image.tag,
          buildArgs: image.buildArgs,
          labels: {
            [BUILD_ID_LABEL]: spec.id,
            [REPO_LABEL]: spec.gitRepo,
            [COMMIT_LABEL]: commit,
            [INSTANCE_LABEL]: this.options.instance,
            ...(image.service ? { 'berth.service': image.service } : {}),
          },
          noCache: spec.noCache,
          ...(image.target ? { target: image.target } : {}),
          ...(this.options.memoryBytes ? { memoryBytes: this.options.memoryBytes } : {}),
          ...(this.options.nanoCpus ? { nanoCpus: this.options.nanoCpus } : {}),
          ...(this.options.pidsLimit ? { pidsLimit: this.options.pidsLimit } : {}),
          network: spec.network ?? 'default',
        },
        (line) => log.line(line),
        signal,
      );
      images.push({ tag: image.tag, id: imageId, ...(image.service ? { service: image.service } : {}) });
    }
    return images;
  }

  /** Records the end of a failed attempt, or leaves it to BullMQ's retry when worth one. */
  private async fail(buildId: string, err: unknown, log: BuildLogWriter, lastTry: boolean): Promise<void> {
    if (err instanceof StoppedError) {
      const cancelled = err.reason === 'cancelled';
      log.line(cancelled ? '[berth] build cancelled' : `[berth] build stopped: it ran past the ${this.options.timeoutMs / 1000} s limit`);
      await log.flush();
      await this.store.transition(buildId, cancelled ? 'cancelled' : 'failed', {
        finishedAt: now(),
        error: cancelled ? { code: 'cancelled', message: 'cancelled on request' } : { code: 'timeout', message: `timeout: the build ran past ${this.options.timeoutMs / 1000} s` },
      });
      return;
    }
    const retryable = err instanceof UnavailableError || !(err instanceof AppError || err instanceof UnrecoverableError);
    const message = err instanceof Error ? err.message : String(err);
    if (retryable && !lastTry) {
      log.line(`[berth] attempt failed (${message}); it will be retried`);
      await log.flush();
      await this.store.transition(buildId, 'queued');
      throw err;
    }
    const code = err instanceof AppError ? err.code : 'build_error';
    log.line(`[berth] build failed: ${message}`);
    await log.flush();
    await this.store.transition(buildId, 'failed', { finishedAt: now(), error: { code, message } });
    this.logger.info('build failed', { buildId, code, error: message });
    throw new UnrecoverableError(message);
  }
}

class StoppedError extends Error {
  constructor(readonly reason: StopReason) {
    super(`build ${reason}`);
  }
}

/** Writes the plan's generated files, replacing whatever the repository had at those paths. */
async function writeGeneratedFiles(context: string, files: Record<string, string>): Promise<void> {
  const paths = Object.keys(files);
  for (const path of paths) {
    if (!isInside(context, join(context, path))) throw new BuildFailedError(`generated file "${path}" leaves the build context`);
  }
  // A repository may ship `.berth` as a symlink pointing elsewhere: never write through it.
  for (const top of new Set(paths.map((p) => p.split('/')[0] ?? p))) await rm(join(context, top), { recursive: true, force: true });
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(context, path)), { recursive: true });
    await writeFile(join(context, path), content, { mode: 0o644 });
  }
}

function now(): string {
  return new Date().toISOString();
}
