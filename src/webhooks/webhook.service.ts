import type { Logger } from 'winston';
import type { AppRecord, AppSecrets, AppStore } from '../apps/app.record';
import { ConflictError, NotFoundError, WebhookSignatureError } from '../errors';
import type { GitClient, GitCredentials } from '../git/git.port';
import type { HostResolver } from '../git/host-resolver';
import { RemoteGuard } from '../git/remote-guard';
import type { WebhookAnswer, WebhookIgnoreReason } from '../models/webhook.model';
import type { DeployRequester } from './deploy-requester.port';
import { decideChangedFiles, decidePush, type IgnoreReason, type PushDecision } from './push-decision';
import type { PushEvent } from './push-event';
import { readWebhookEvent } from './webhook-event';
import { WEBHOOK_PROVIDERS, type WebhookHeaders, type WebhookProvider } from './webhook-headers';
import { verifyWebhook } from './webhook-signature';
import { WatchPaths } from './watch-paths';

export interface WebhookServiceOptions {
  allowFileUrls: boolean;
  /** Hosts exempt from the internal-address check (`[git] allowed_hosts`). */
  allowedHosts: readonly string[];
  hostResolver: HostResolver;
  /** `[git] credentials` by lower-case host, for apps that have none of their own. */
  hostCredentials: Readonly<Record<string, GitCredentials>>;
  /** Where the temporary repository that lists a push's changes is made. */
  tempDir: string;
  /**
   * Milliseconds the list of changed files may take. Senders give up on a delivery after about
   * 10 s (GitHub), so past this the push deploys without it. Default 8000.
   */
  changesTimeoutMs?: number;
  /** Bytes of git data fetched to list changes; past it the push deploys without the list. Default 64 MiB. */
  changesMaxBytes?: number;
  now?: () => Date;
}

/** What the route answers: 202 when a deployment was queued, else 200. */
export interface WebhookResult {
  status: 200 | 202;
  answer: WebhookAnswer;
}

/** The push decision's reasons in the webhook's answer. */
const REASONS: Record<IgnoreReason, WebhookIgnoreReason> = {
  tag_push: 'tag',
  not_a_branch: 'other_branch',
  other_branch: 'other_branch',
  branch_deleted: 'deleted_branch',
  skip_ci: 'skip_ci',
  no_watched_change: 'no_watched_change',
};

/** App names are DNS labels: anything else is no app, answered before Redis is asked. */
const APP_NAME = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Push webhooks: a delivery is checked against the app's webhook secret (and a rotated-out one
 * during its grace period) over the raw body before anything reads it; a verified push to the
 * app's branch becomes a deployment of its `after` commit.
 */
export class WebhookService {
  constructor(
    private readonly apps: AppStore,
    private readonly deploys: DeployRequester,
    private readonly git: GitClient,
    private readonly options: WebhookServiceOptions,
    private readonly logger: Logger,
  ) {}

  async receive(provider: string, appName: string, headers: WebhookHeaders, rawBody: Buffer): Promise<WebhookResult> {
    const found = isProvider(provider) && APP_NAME.test(appName) ? await this.apps.get(appName) : undefined;
    // One answer for a bad provider and an unknown app: the route tells nothing more about either.
    if (!isProvider(provider) || found === undefined) throw new NotFoundError('app', appName);
    const secrets = await this.apps.secrets(found.name, found.config.secretsVersion);
    this.verify(provider, found, secrets, headers, rawBody);
    const event = readWebhookEvent(provider, headers, rawBody);
    if (event.kind === 'ping') return { status: 200, answer: { result: 'pong' } };
    if (event.kind === 'other') return ignored('not_a_push', `${JSON.stringify(event.event)} events do not deploy; only pushes do`);
    return this.push(found, event.push, secrets);
  }

  private verify(provider: WebhookProvider, app: AppRecord, secrets: AppSecrets | undefined, headers: WebhookHeaders, rawBody: Buffer): void {
    if (secrets === undefined) {
      this.logger.error('app has no secrets version: webhook deliveries cannot be verified', { app: app.name, version: app.config.secretsVersion });
      throw new WebhookSignatureError('webhook_signature_invalid', "the delivery could not be checked against the app's webhook secret");
    }
    const previous = secrets.previousWebhookSecret;
    const used = verifyWebhook(provider, headers, rawBody, {
      current: secrets.webhookSecret,
      ...(previous ? { previous: { secret: previous.secret, validUntil: new Date(previous.validUntil) } } : {}),
      now: this.now(),
    });
    if (used === 'previous') this.logger.warn('webhook signed with the rotated-out secret: update the sender', { app: app.name, provider, until: previous?.validUntil });
  }

  private async push(app: AppRecord, push: PushEvent, secrets: AppSecrets | undefined): Promise<WebhookResult> {
    if (app.source.type !== 'git') {
      throw new ConflictError('state_conflict', `app ${JSON.stringify(app.name)} deploys an image, not a git repository: a push has nothing to build`);
    }
    const branch = app.source.build.git_branch ?? push.defaultBranch;
    if (branch === null) return ignored('other_branch', "the app deploys the repository's default branch and the delivery does not name it");
    const watchPaths = WatchPaths.parse(app.watchPaths ?? []);
    let decision = decidePush(push, { branch, watchPaths });
    if (decision.action === 'list_changes') {
      const files = await this.changedFiles(app, branch, push, secrets);
      decision = files === undefined ? { action: 'deploy', commit: push.after } : decideChangedFiles(push.after, watchPaths, files);
    }
    return this.act(app, push.provider, decision);
  }

  private async act(app: AppRecord, provider: WebhookProvider, decision: PushDecision): Promise<WebhookResult> {
    if (decision.action === 'ignore') return ignored(REASONS[decision.reason], decision.message);
    const { created, deployment, ignored: why } = await this.deploys.deploy(app.name, { git_commit: decision.commit, force: false, trigger: `webhook:${provider}` });
    if (created) {
      this.logger.info('webhook queued a deployment', { app: app.name, provider, deploymentId: deployment.id, commit: decision.commit });
      return { status: 202, answer: { result: 'queued', deployment_id: deployment.id } };
    }
    const reason: WebhookIgnoreReason = why === 'already_live' ? 'already_live' : 'in_progress';
    const message = reason === 'already_live' ? `commit ${decision.commit} is already live` : `commit ${decision.commit} is already being deployed`;
    return { status: 200, answer: { result: 'ignored', reason, deployment_id: deployment.id, message } };
  }

  /**
   * The files the push changed, read from the repository (payloads cap their file lists), with
   * the same host check, address pin and credentials as a build's clone. Undefined when they
   * cannot be read in time: the push then deploys rather than being missed.
   */
  private async changedFiles(app: AppRecord, branch: string, push: PushEvent, secrets: AppSecrets | undefined): Promise<string[] | undefined> {
    if (app.source.type !== 'git') return undefined;
    const { allowFileUrls, allowedHosts, hostResolver } = this.options;
    const timeoutMs = this.options.changesTimeoutMs ?? 8000;
    try {
      const remote = await new RemoteGuard(hostResolver, { allowFileUrls, allowedHosts }, 'repository').check(app.source.build.git_repo);
      const credentials = appCredentials(secrets) ?? this.options.hostCredentials[remote.host];
      return await this.git.changedFiles({
        remote,
        branch,
        before: push.before,
        after: push.after,
        tempDir: this.options.tempDir,
        maxBytes: this.options.changesMaxBytes ?? 64 * 1024 * 1024,
        allowFileProtocol: allowFileUrls,
        ...(credentials ? { credentials } : {}),
        timeoutMs,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (err) {
      // The message is git's, already cleared of credentials by the client.
      this.logger.warn('could not list the files a push changed: deploying it', { app: app.name, error: (err as Error).message });
      return undefined;
    }
  }

  private now(): Date {
    return this.options.now?.() ?? new Date();
  }
}

function isProvider(value: string): value is WebhookProvider {
  return (WEBHOOK_PROVIDERS as readonly string[]).includes(value);
}

function ignored(reason: WebhookIgnoreReason, message: string): WebhookResult {
  return { status: 200, answer: { result: 'ignored', reason, message } };
}

function appCredentials(secrets: AppSecrets | undefined): GitCredentials | undefined {
  const c = secrets?.credentials;
  if (!c || (!c.token && !c.ssh_key)) return undefined;
  return { ...(c.username ? { username: c.username } : {}), ...(c.token ? { token: c.token } : {}), ...(c.ssh_key ? { sshKey: c.ssh_key } : {}) };
}
