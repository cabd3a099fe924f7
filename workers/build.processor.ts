import { lstat, mkdir, realpath, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'winston';
import { planBuild } from '../buildpacks';
import { baseImageKey } from '../buildpacks/base-image-key';
import { PlanError, type BuildPlan, type BuildpackSettings } from '../buildpacks/plan';
import { apiFieldNames } from '../src/builds/api-field-names';
import { AppError, BuildFailedError, UnavailableError } from '../src/errors';
import { BaseImageMissingError } from '../src/errors/base-image-missing.error';
import { buildJobSchema } from '../src/builds/build.job';
import type { BuildDirs } from '../src/builds/build-dirs';
import type { BuildLogWriter } from '../src/builds/build-log.writer';
import { LogRedactor, credentialSecrets, requestSecrets } from '../src/builds/log-redactor';
import { RedactingLogWriter } from '../src/builds/redacting-log.writer';
import type { BuildSpec } from '../src/builds/build-request';
import { openBuildSecrets, withSecretValues } from '../src/builds/build-secrets';
import type { SecretBox } from '../src/builds/secret-box';
import type { BuildRecord, BuildStore, PublishedImage } from '../src/builds/build.record';
import { FsWorkspace, isInside } from '../src/builds/fs-workspace';
import { isTerminal } from '../src/builds/redis-build.store';
import type { BuildEngine } from '../src/engine/engine.port';
import { INSTANCE_LABEL } from '../src/services/container-spec';
import { BUILD_ID_LABEL, COMMIT_LABEL, REPO_LABEL } from '../src/services/image.service';
import type { CloneRequest, GitClient, GitCredentials } from '../src/git/git.port';
import type { HostResolver } from '../src/git/host-resolver';
import { RemoteGuard } from '../src/git/remote-guard';
import { StoppedError, fencedLog, watchAttempt, type StopReason } from './build-attempt';
import { ImagePublisher } from './image-publisher';

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
  /** Resolves git hosts once, for the host guard and for git (pinned to what was checked). */
  hostResolver: HostResolver;
  /** Bytes a checkout may take, submodules included (`[build] max_checkout_bytes`). */
  maxCheckoutBytes: number;

  /** Opens the credentials and values the API sealed (same key file, same `[server] data_dir`). */
  secretBox: SecretBox;
  /** Credentials per git host from the config, used when the request brings none. */
  hostCredentials: Record<string, GitCredentials>;
  buildpacks: BuildpackSettings;
  /** Milliseconds between looks at the build's cancel flag. */
  cancelPollMs: number;
  /** The engine of a `[[nodes]]` entry a build names (`spec.node`); the constructor's engine is `local`'s. */
  nodeEngines?: (node: string) => BuildEngine | undefined;
}

/** Takes one build job from clone to image, keeping the build record and log up to date. */
export class BuildProcessor {
  private readonly publisher: ImagePublisher;

  constructor(
    private readonly store: BuildStore,
    private readonly engine: BuildEngine,
    private readonly git: GitClient,
    private readonly dirs: BuildDirs,
    private readonly options: BuildProcessorOptions,
    private readonly logger: Logger,
  ) {
    this.publisher = new ImagePublisher(store, engine, logger);
  }

  /**
   * BullMQ's processor: plain errors are retried, UnrecoverableError ends the job. `signal`
   * aborts with `shutdown` when the worker stops, or another reason when its lock was lost.
   */
  async process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const parsed = buildJobSchema.safeParse(job.data);
    if (!parsed.success) throw new UnrecoverableError(`malformed job payload: ${parsed.error.message}`);
    const { buildId } = parsed.data;
    const record = await this.store.get(buildId);
    if (!record || isTerminal(record.status)) return; // forgotten or cancelled while queued
    const attempt = await this.store.countAttempt(buildId);
    if (attempt === 0) return; // forgotten meanwhile
    const redactor = new LogRedactor(requestSecrets(record.spec.plan));
    const log = new RedactingLogWriter(redactor, fencedLog(this.store, attempt), buildId, (err) => this.logger.warn('log write failed', { buildId, error: String(err) }));
    const lastTry = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    try {
      await this.attempt(record, attempt, log, signal);
    } catch (err) {
      await this.fail({ buildId, attempt, log, lastTry }, err, async () => {
        if (token) await job.moveToWait(token);
      });
    } finally {
      await log.flush();
      const final = await this.store.get(buildId).catch(() => undefined);
      if (final && isTerminal(final.status)) await this.store.expire(buildId).catch(() => undefined);
    }
  }

  private async attempt(record: BuildRecord, attempt: number, log: RedactingLogWriter, outer?: AbortSignal): Promise<void> {
    const { spec: stored } = record;
    const { controller, stop, dispose } = watchAttempt(
      this.store,
      { buildId: stored.id, attempt, timeoutMs: this.options.timeoutMs, pollMs: this.options.cancelPollMs },
      outer,
    );
    // Temporary tags of the engine builds this attempt started: what it removes if it does not win.
    const started: string[] = [];
    let dir: string | undefined;
    try {
      if (attempt > 1) log.line(`[berth] attempt ${attempt}: taking the build up again`);
      if (record.cancelRequested) stop('cancelled');
      if (record.publishing) {
        log.line('[berth] an earlier attempt built the images: tagging them');
        return await this.publish(stored, attempt, record.publishing, log);
      }
      const { spec, git } = await this.openSecrets(stored, log);
      dir = await this.dirs.create(spec.id);
      const commit = spec.source === 'recipe' ? await this.emptyContext(spec, attempt, dir, log) : await this.clone(spec, attempt, dir, log, controller.signal, git);
      const root = await this.contextRoot(dir, spec.baseDirectory);
      const plan = this.plan(root, spec, log);
      await this.store.transition(spec.id, 'building', { buildingAt: now(), plan: { buildpack: plan.buildpack, ...plan.details } }, attempt);
      const images = await this.buildImages(plan, root, spec, { commit, attempt }, log, controller.signal, started).catch((err: unknown) => {
        throw this.namedBaseImage(err, plan);
      });
      if (controller.signal.aborted) throw controller.signal.reason;
      // Claimed, the images are the build's (a later attempt finishes their tagging); refused, gone.
      started.length = 0;
      if (!(await this.publisherFor(spec).claim(spec.id, attempt, images))) throw new StoppedError('superseded');
      await this.publish(spec, attempt, images, log);
    } catch (err) {
      if (err instanceof StoppedError) throw err;
      // An aborted engine build may still have made its image: it is found by its temporary tag.
      if (started.length > 0) await this.publisherFor(stored).discard(started);
      throw controller.signal.aborted ? new StoppedError(controller.signal.reason as StopReason) : err;
    } finally {
      dispose();
      if (dir) await this.dirs.remove(dir);
    }
  }

  /** Tags the images the build was claimed for (by this attempt or one that stopped after its claim). */
  private async publish(spec: BuildSpec, attempt: number, images: PublishedImage[], log: RedactingLogWriter): Promise<void> {
    const buildId = spec.id;
    if (await this.publisherFor(spec).publish(buildId, attempt, images, log)) {
      this.logger.info('build succeeded', { buildId, images: images.map((i) => i.tag) });
    } else {
      this.logger.warn('build taken over by another attempt while tagging', { buildId, attempt });
    }
  }

  private async clone(spec: BuildSpec, attempt: number, dir: string, log: RedactingLogWriter, signal: AbortSignal, git?: GitCredentials): Promise<string> {
    await this.store.transition(spec.id, 'cloning', { cloningAt: now() }, attempt);
    const { hostResolver, allowFileUrls, allowedHosts } = this.options;
    // Resolved and checked once here; git connects to that address, not to a second answer.
    const remote = await new RemoteGuard(hostResolver, { allowFileUrls, allowedHosts }, 'repository').check(spec.gitRepo);
    const ref = spec.gitCommit ? `commit ${spec.gitCommit}` : spec.gitBranch ? `branch ${spec.gitBranch}` : 'the default branch';
    log.line(`[berth] cloning ${spec.gitRepo} (${ref})`);
    const credentials = git ?? this.options.hostCredentials[spec.gitHost.toLowerCase()];
    log.redactor.hide(credentialSecrets(credentials));
    const request: CloneRequest = {
      url: spec.gitRepo,
      remote,
      remotes: new RemoteGuard(hostResolver, { allowFileUrls, allowedHosts }, 'submodule'),
      maxBytes: this.options.maxCheckoutBytes,
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
    await this.store.update(spec.id, { commit }, attempt);
    log.line(`[berth] checked out ${commit}`);
    return commit;
  }

  /** A recipe has no repository: its context is an empty folder that gets only the generated Dockerfile. */
  private async emptyContext(spec: BuildSpec, attempt: number, dir: string, log: RedactingLogWriter): Promise<string> {
    await mkdir(join(dir, 'src'), { recursive: true });
    log.line('[berth] recipe: no repository to clone, building from an empty context');
    return '';
  }

  /**
   * The spec with the values the API sealed put back, and the request's git credentials; every
   * value is hidden in the log from here on. The blob stays until the build ends: a retry opens it again.
   */
  private async openSecrets(stored: BuildSpec, log: RedactingLogWriter): Promise<{ spec: BuildSpec; git?: GitCredentials }> {
    const sealed = await this.store.takeSecrets(stored.id);
    const secrets = sealed ? openBuildSecrets(this.options.secretBox, stored.id, sealed) : undefined;
    const spec = withSecretValues(stored, secrets);
    log.redactor.hide([...requestSecrets(spec.plan), ...credentialSecrets(secrets?.git)]);
    return { spec, ...(secrets?.git ? { git: secrets.git } : {}) };
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
      if (err instanceof PlanError) throw new BuildFailedError(apiFieldNames(err.field ? `${err.message} (${err.field})` : err.message), err.code);
      throw err;
    }
  }

  /** A missing base image of a generated Dockerfile is told with the `[buildpacks]` key that chose it. */
  private namedBaseImage(err: unknown, plan: BuildPlan): unknown {
    if (!(err instanceof BaseImageMissingError) || plan.buildpack === 'dockerfile' || plan.buildpack === 'docker-compose' || plan.buildpack === 'recipe') return err;
    const key = baseImageKey(this.options.buildpacks, err.image);
    return key ? err.withKey(key) : err;
  }

  /** Builds the plan's images under temporary tags, each added to `started` before its build starts. */
  private async buildImages(
    plan: BuildPlan,
    root: string,
    spec: BuildSpec,
    { commit, attempt }: { commit: string; attempt: number },
    log: BuildLogWriter,
    signal: AbortSignal,
    started: string[],
  ): Promise<PublishedImage[]> {
    const built: PublishedImage[] = [];
    for (const image of plan.images) {
      const context = join(root, image.context);
      if (!isInside(root, context)) throw new BuildFailedError(`build context "${image.context}" leaves the repository`);
      await writeGeneratedFiles(context, image.files);
      const temporaryTag = this.publisher.temporaryTag(spec.id, attempt, built.length);
      started.push(temporaryTag);
      log.line(`[berth] building ${image.tag}${image.service ? ` (service ${image.service})` : ''}`);
      const { imageId } = await this.engineFor(spec).buildImage(
        {
          contextDir: context,
          dockerfile: image.dockerfile,
          alwaysSend: Object.keys(image.files),
          tag: temporaryTag,
          buildArgs: image.buildArgs,
          labels: {
            [BUILD_ID_LABEL]: spec.id,
            ...(spec.source === 'recipe' ? {} : { [REPO_LABEL]: spec.gitRepo, [COMMIT_LABEL]: commit }),
            [INSTANCE_LABEL]: this.options.instance,
            ...(image.service ? { 'berth.service': image.service } : {}),
          },
          noCache: spec.noCache,
          ...(image.target ? { target: image.target } : {}),
          ...(this.options.memoryBytes ? { memoryBytes: this.options.memoryBytes } : {}),
          ...(this.options.nanoCpus ? { nanoCpus: this.options.nanoCpus } : {}),
          // The PID limit is a cgroup on this host: it cannot bound a build on another node's engine.
          ...(this.options.pidsLimit && !spec.node ? { pidsLimit: this.options.pidsLimit } : {}),
          network: spec.network ?? 'default',
        },
        (line) => log.line(line),
        signal,
      );
      built.push({ tag: image.tag, id: imageId, temporaryTag, ...(image.service ? { service: image.service } : {}) });
    }
    return built;
  }

  /** The engine that builds `spec`: its node's, or `local`'s. A node this worker does not know fails the build. */
  private engineFor(spec: BuildSpec): BuildEngine {
    if (!spec.node) return this.engine;
    const engine = this.options.nodeEngines?.(spec.node);
    if (!engine) throw new UnrecoverableError(`node "${spec.node}" is not configured on this build worker`);
    return engine;
  }

  private publisherFor(spec: BuildSpec): ImagePublisher {
    return spec.node ? new ImagePublisher(this.store, this.engineFor(spec), this.logger) : this.publisher;
  }

  /** Records the end of a failed attempt, or leaves it to BullMQ's retry when worth one. */
  private async fail(run: AttemptRun, err: unknown, handBack: () => Promise<void>): Promise<void> {
    const { buildId, attempt, log } = run;
    if (err instanceof StoppedError && (err.reason === 'shutdown' || err.reason === 'superseded')) {
      return this.leave(run, err.reason, handBack);
    }
    if (err instanceof StoppedError) {
      const cancelled = err.reason === 'cancelled';
      log.line(cancelled ? '[berth] build cancelled' : `[berth] build stopped: it ran past the ${this.options.timeoutMs / 1000} s limit`);
      await log.flush();
      await this.store.transition(
        buildId,
        cancelled ? 'cancelled' : 'failed',
        {
          finishedAt: now(),
          error: cancelled
            ? { code: 'cancelled', message: 'cancelled on request' }
            : { code: 'timeout', message: `timeout: the build ran past ${this.options.timeoutMs / 1000} s` },
        },
        attempt,
      );
      return;
    }
    const retryable = err instanceof UnavailableError || !(err instanceof AppError || err instanceof UnrecoverableError);
    // The record's error is shown like the log: an engine or git message may quote a value.
    const message = log.redactor.redact(err instanceof Error ? err.message : String(err));
    if (retryable && !run.lastTry) {
      log.line(`[berth] attempt failed (${message}); it will be retried`);
      await log.flush();
      await this.store.transition(buildId, 'queued', {}, attempt);
      throw err;
    }
    const code = err instanceof AppError ? err.code : 'build_error';
    log.line(`[berth] build failed: ${message}`);
    await log.flush();
    await this.store.transition(buildId, 'failed', { finishedAt: now(), error: { code, message } }, attempt);
    this.logger.info('build failed', { buildId, code, error: message });
    throw new UnrecoverableError(message);
  }

  /**
   * Leaves a build to another worker. On shutdown: back to `queued`, and the job back to the
   * queue's waiting list (not a failed try). Taken over: nothing to write (the fence would refuse
   * it); the job's lock is gone, so BullMQ's own move of the job fails and changes nothing.
   */
  private async leave(run: AttemptRun, reason: 'shutdown' | 'superseded', handBack: () => Promise<void>): Promise<void> {
    const { buildId, attempt, log } = run;
    if (reason === 'superseded') {
      this.logger.warn('build attempt stopped: another worker took the build over', { buildId, attempt });
      throw new Error(`attempt ${attempt} of build ${buildId} was taken over by another worker`);
    }
    log.line('[berth] worker stopping: the build goes back to the queue');
    await log.flush();
    const queued = await this.store.transition(buildId, 'queued', {}, attempt);
    await handBack();
    this.logger.info('build handed back to the queue', { buildId, attempt, queued });
    throw new WaitingError();
  }
}

/** What `fail` needs to know of the attempt. */
interface AttemptRun {
  buildId: string;
  attempt: number;
  log: RedactingLogWriter;
  lastTry: boolean;
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
