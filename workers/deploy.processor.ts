import { DelayedError, UnrecoverableError, WaitingError, type Job } from 'bullmq';
import type { Logger } from 'winston';
import type { AppRecord } from '../src/apps/app.record';
import { isValidBuildId } from '../src/builds/build-request';
import { LogRedactor, credentialSecrets } from '../src/builds/log-redactor';
import { RedactingLogWriter } from '../src/builds/redacting-log.writer';
import { DEPLOYMENT_ENDS, type DeploymentRecord, type DeploymentStatus, type DeploymentUpdate } from '../src/deploys/deployment.record';
import { AppError, UnavailableError } from '../src/errors';
import { DeployStoppedError, watchDeployment } from './deploy-attempt';
import type { DeployProcessorDeps, DeployProcessorOptions, DeployRun } from './deploy-run';
import { ReleaseSwitch } from './release-switch';
import { TargetResolver, deployImageTag, type TargetImage } from './deploy-target';
import { DeployNodes, LOCAL_NODE, nodeOf } from './deploy-nodes';

/** How long a deployment waits for another deployment of its app to end before looking again. */
export const CLAIM_RETRY_MS = 1000;
/** Phases from which an attempt only goes forward: the new release may already be routed. */
const FORWARD: ReadonlySet<DeploymentStatus> = new Set(['switching', 'draining']);

/** Takes one deployment job from its recorded phase to its end; see ARCHITECTURE.md. */
export class DeployProcessor {
  private readonly targets: TargetResolver;
  private readonly switcher: ReleaseSwitch;
  private readonly nodes: DeployNodes;

  constructor(
    private readonly deps: DeployProcessorDeps,
    private readonly options: DeployProcessorOptions,
    private readonly logger: Logger,
  ) {
    this.nodes = new DeployNodes(deps);
    this.targets = new TargetResolver(deps.apps, deps.releases, this.nodes);
    this.switcher = new ReleaseSwitch(deps, this.nodes, this.targets, options, (run, status, update) => this.move(run, status, update), logger);
  }

  /** BullMQ's processor; `signal` aborts with `shutdown` when the worker stops, otherwise when its lock was lost. */
  async process(job: Job, token?: string, signal?: AbortSignal): Promise<void> {
    const id = deploymentIdOf(job);
    const { deployments } = this.deps;
    const record = await deployments.get(id);
    if (!record || DEPLOYMENT_ENDS.has(record.status)) return; // superseded or cancelled while queued
    if (!(await deployments.claim(record.app, id))) {
      // Another deployment of the app runs: look again in a second, without counting a try.
      await job.moveToDelayed(Date.now() + CLAIM_RETRY_MS, token);
      throw new DelayedError();
    }
    const attempt = await deployments.countAttempt(id);
    const onError = (err: unknown) => this.logger.warn('deployment log write failed', { deploymentId: id, error: String(err) });
    // The writer stops once the store takes nothing more (a full log, a stale attempt): the deployment store says so with false.
    const fenced = { appendLog: async (logId: string, lines: Array<{ time: string; text: string }>) => !(await deployments.appendLog(logId, lines, attempt)) };
    const log = new RedactingLogWriter(new LogRedactor(), fenced, id, onError);
    const watch = watchDeployment(deployments, { id, attempt, pollMs: this.options.cancelPollMs }, signal);
    const run: DeployRun = { id, attempt, log, watch, lastTry: job.attemptsMade + 1 >= (job.opts.attempts ?? 1), made: { forward: false } };
    try {
      await this.attempt(run);
    } catch (err) {
      await this.fail(run, err, async () => {
        if (token) await job.moveToWait(token);
      });
    } finally {
      watch.dispose();
      await log.flush();
    }
  }

  private async attempt(run: DeployRun): Promise<void> {
    const record = await this.deps.deployments.get(run.id);
    if (!record || DEPLOYMENT_ENDS.has(record.status) || record.attempts !== run.attempt) return;
    Object.assign(run.made, { release: record.release, slot: record.slot, node: record.node, forward: FORWARD.has(record.status) });
    if (run.attempt > 1) run.log.line(`[berth] attempt ${run.attempt}: taking the deployment up again (${record.status})`);
    if (run.made.forward) run.watch.forwardOnly();
    else if (record.cancelRequested) throw new DeployStoppedError('cancelled');
    const app = await this.deps.apps.get(record.app);
    if (!app) throw new AppError('app_not_found', `app ${record.app} no longer exists`);
    // Resumed from the switch on, the image is the one recorded when the release started.
    if (run.made.forward) return this.switcher.forward(run, app, record, () => this.targets.resolve(app, record, () => this.image(run, app, record)));
    const target = await this.targets.resolve(app, record, () => this.image(run, app, record));
    const started = await this.switcher.start(run, app, record, target);
    await this.switcher.forward(run, app, started, async () => target);
  }

  /** The image a `deploy` runs: built from the app's repository, or given. */
  private async image(run: DeployRun, app: AppRecord, record: DeploymentRecord): Promise<TargetImage> {
    const { source } = app;
    if (record.imageId) {
      const image = source.type === 'git' ? deployImageTag(app.name, record.id) : (record.image ?? source.image);
      return { image, imageId: record.imageId, ...(record.commit ? { commit: record.commit } : {}) };
    }
    // A node that does not answer fails the deployment before anything is built or started.
    await this.nodes.check(nodeOf(app.config));
    if (source.type === 'image') {
      const image = record.image ?? source.image;
      return { image, imageId: await this.targets.imageId(image, nodeOf(app.config)) };
    }
    return this.build(run, app, record, source.build);
  }

  /** Builds through the build pipeline under the id `dep-<deployment id>`, copying its log. */
  private async build(run: DeployRun, app: AppRecord, record: DeploymentRecord, source: Extract<AppRecord['source'], { type: 'git' }>['build']): Promise<TargetImage> {
    const buildId = `dep-${record.id}`;
    if (!isValidBuildId(buildId)) throw new AppError('deploy_error', `deployment id ${record.id} cannot name a build`);
    const secrets = await this.deps.apps.secrets(app.name, app.config.secretsVersion);
    if (!secrets) throw new AppError('secrets_missing', `the app's secrets version ${app.config.secretsVersion} is gone`);
    const c = secrets.credentials;
    const credentials = c
      ? { ...(c.username ? { username: c.username } : {}), ...(c.token ? { token: c.token } : {}), ...(c.ssh_key ? { sshKey: c.ssh_key } : {}) }
      : undefined;
    run.log.redactor.hide([...Object.values(secrets.buildEnv), ...credentialSecrets(credentials)]);
    if (record.status !== 'building') await this.move(run, 'building', { buildId });
    run.made.buildId = buildId;
    const image = deployImageTag(app.name, record.id);
    run.log.line(`[berth] building ${record.gitCommit ? `commit ${record.gitCommit}` : `branch ${source.git_branch ?? '(default)'}`} as ${image} (build ${buildId})`);
    const request = {
      ...source,
      id: buildId,
      image_tag: image,
      ...(record.gitCommit ? { git_commit: record.gitCommit } : {}),
      ...(Object.keys(secrets.buildEnv).length > 0 ? { env: secrets.buildEnv } : {}),
      ...(c ? { git_credentials: c } : {}),
      // Built on the node the release runs on: the image is there already.
      ...(nodeOf(app.config) !== LOCAL_NODE ? { node: nodeOf(app.config) } : {}),
    };
    // A resumed attempt copies only the lines the one before it did not.
    const copied = (await this.deps.deployments.readLog(run.id, 0)).filter((l) => l.text.startsWith('[build] ')).length;
    const built = await this.deps.builds.run(request, (text) => run.log.line(`[build] ${text}`), copied, run.watch.signal);
    run.made.buildId = undefined;
    await this.deps.deployments.update(run.id, { imageId: built.imageId, ...(built.commit ? { commit: built.commit } : {}) }, run.attempt);
    run.log.line(`[berth] built ${image} (${built.imageId.slice(0, 19)})`);
    return { image, ...built };
  }

  /** Records a phase change under the fence; a refused one means another attempt owns the deployment. */
  private async move(run: DeployRun, status: DeploymentStatus, update: DeploymentUpdate = {}): Promise<void> {
    if (!(await this.deps.deployments.transition(run.id, status, update, run.attempt))) throw new DeployStoppedError('superseded');
  }

  /** Ends, retries or hands back a failed attempt; before the switch it removes what it started. */
  private async fail(run: DeployRun, err: unknown, handBack: () => Promise<void>): Promise<void> {
    const { id, attempt, log } = run;
    if (err instanceof DeployStoppedError && err.reason === 'superseded') {
      this.logger.warn('deployment attempt stopped: another worker took it over', { deploymentId: id, attempt });
      throw new Error(`attempt ${attempt} of deployment ${id} was taken over by another worker`);
    }
    if (err instanceof DeployStoppedError && err.reason === 'shutdown') {
      // The record keeps its phase: the next attempt resumes from it (and cleans up what this one started).
      log.line('[berth] worker stopping: the deployment goes back to the queue');
      await log.flush();
      await handBack();
      this.logger.info('deployment handed back to the queue', { deploymentId: id, attempt });
      throw new WaitingError();
    }
    if (err instanceof DeployStoppedError) return this.end(run, 'cancelled', { code: 'cancelled', message: 'cancelled on request' });
    const message = log.redactor.redact(err instanceof Error ? err.message : String(err));
    const retryable = err instanceof UnavailableError || !(err instanceof AppError || err instanceof UnrecoverableError);
    if ((retryable || run.made.forward) && !run.lastTry) {
      log.line(`[berth] attempt failed (${message}); it will be retried${run.made.forward ? ' from the switch on' : ''}`);
      await log.flush();
      throw err;
    }
    const code = run.made.forward ? 'switch_failed' : err instanceof AppError ? err.code : 'deploy_error';
    await this.end(run, 'failed', { code, message });
    throw new UnrecoverableError(message);
  }

  /** Ends the deployment failed or cancelled: the build stops, the new release's containers and staged servers go. */
  private async end(run: DeployRun, status: 'failed' | 'cancelled', error: { code: string; message: string }): Promise<void> {
    const { made, log } = run;
    const record = await this.deps.deployments.get(run.id);
    if (!made.forward && record) await this.undo(run, record).catch((err: unknown) => log.line(`[berth] clean-up incomplete: ${String(err)}`));
    const restored = !made.forward && record?.previousStopped ? await this.restore(run, record) : undefined;
    log.line(status === 'cancelled' ? '[berth] deployment cancelled' : `[berth] deployment failed: ${error.message}`);
    if (restored !== undefined) log.line(`[berth] the previous release ${restored} was restored and serves again`);
    else if (!made.forward && record?.previousRelease !== undefined && !record.previousStopped) log.line(`[berth] release ${record.previousRelease} keeps serving`);
    await log.flush();
    await this.deps.deployments.transition(run.id, status, { error }, run.attempt);
    this.logger.info(`deployment ${status}`, { deploymentId: run.id, code: error.code });
  }

  /** stop-first: starts the previous release again; undefined (said in the log) when it cannot be. */
  private async restore(run: DeployRun, record: DeploymentRecord): Promise<number | undefined> {
    try {
      const app = await this.deps.apps.get(record.app);
      return app ? await this.switcher.restoreOld(run, app, record) : undefined;
    } catch (err) {
      const message = run.log.redactor.redact(err instanceof Error ? err.message : String(err));
      run.log.line(`[berth] the previous release ${record.previousRelease ?? ''} could not be restored: ${message}; start the app or roll back`);
      return undefined;
    }
  }

  private async undo(run: DeployRun, record: DeploymentRecord): Promise<void> {
    // A build this or an earlier attempt submitted and that has not delivered its image yet.
    const buildId = run.made.buildId ?? (record.imageId ? undefined : record.buildId);
    if (buildId) await this.deps.builds.cancel(buildId);
    const release = run.made.release ?? record.release;
    const slot = run.made.slot ?? record.slot;
    if (release !== undefined) await this.switcher.removeNew(run, record.app, release, slot, run.made.node ?? record.node ?? LOCAL_NODE);
  }
}

/** The deployment id of a job: its data's `deploymentId`, else the job id (they are the same). */
function deploymentIdOf(job: Job): string {
  const data = job.data as { deploymentId?: unknown } | undefined;
  const id = typeof data?.deploymentId === 'string' ? data.deploymentId : job.id;
  if (!id) throw new UnrecoverableError('deployment job without a deployment id');
  return id;
}

export type { DeployPorts, DeployProcessorDeps, DeployProcessorOptions, DeployRun } from './deploy-run';
