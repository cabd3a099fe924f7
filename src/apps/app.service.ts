import { randomBytes } from 'node:crypto';
import type { Logger } from 'winston';
import { AppError, ConflictError, NotFoundError, ValidationError } from '../errors';
import { parseGitUrl } from '../git/git-url';
import { refuseInternalHost } from '../git/host-guard';
import type { HostResolver } from '../git/host-resolver';
import type { AppList, AppView, CreateAppRequest, CreatedApp, RotatedWebhookSecret, UpdateAppRequest } from '../models/app.model';
import type { AppRouting } from '../proxy/app-routing.port';
import type { AppCleanup } from './app-cleanup';
import type { AppReplicaReader } from './app-replicas.port';
import { validateAppPatch, validateCreateApp, type ValidatedApp } from './app-request';
import { toAppView } from './app-view';
import type { AppRecord, AppRuntimeConfig, AppSecrets, AppStore } from './app.record';

export interface AppServiceOptions {
  allowFileUrls: boolean;
  /** Hosts exempt from the internal-address check (`[git] allowed_hosts`). */
  allowedHosts: readonly string[];
  /** `[proxy] base_domain`; '' for none. */
  baseDomain: string;
  /** `[deploy] drain_seconds`: the default of new apps. */
  drainSeconds: number;
  /** `[deploy] webhook_secret_grace_hours`: how long a rotated-out webhook secret is still accepted. */
  webhookGraceHours: number;
  /** Default: the clock. */
  now?: () => Date;
  /** Looks repository hosts up for the internal-address check. Default: DNS. */
  resolver?: HostResolver;
  /** The `[[nodes]]` by name, and whether each can run apps. Default none: `local` only. */
  nodes?: ReadonlyMap<string, boolean>;
}

export interface AppServiceHooks {
  /**
   * Called after a PATCH changed what replicas run (env values, replicas, memory, port...): the
   * deployments make a new release of the live image with it. Not awaited by the answer's content,
   * but its failure fails the request (the change itself is stored).
   */
  onConfigChanged?: (app: AppRecord) => Promise<void>;
  /**
   * Called when an app is created with domains or its domains change (e.g. to get their
   * certificates). Not awaited: the answer never waits on a certificate authority.
   */
  onDomainsChanged?: (app: AppRecord) => void;
  /** Replica states for the views; without it every app shows no replicas. */
  replicas?: AppReplicaReader;
  /** The clean-up on a node other than `local`; undefined for a node no longer configured (nothing there is reachable). */
  nodeCleanup?: (node: string) => Promise<AppCleanup | undefined>;
}

/** Bytes of a webhook secret. */
const WEBHOOK_SECRET_BYTES = 32;
/** Writers that lose the optimistic race read again, this many times. */
const UPDATE_TRIES = 5;
/** Config fields whose change needs new replicas; the rest (health check, strategy, drain) apply at the next deployment. */
const RUNTIME_FIELDS: ReadonlyArray<keyof AppRuntimeConfig> = ['port', 'replicas', 'memoryBytes', 'cpus', 'command', 'volumes', 'envNames'];

/** The API's side of apps: validate, store with sealed secrets, route, and remove everything an app made. */
export class AppService {
  private readonly now: () => Date;

  constructor(
    private readonly store: AppStore,
    private readonly routing: AppRouting,
    private readonly cleanup: AppCleanup,
    private readonly options: AppServiceOptions,
    private readonly logger: Logger,
    private readonly hooks: AppServiceHooks = {},
  ) {
    this.now = options.now ?? (() => new Date());
  }

  async create(req: CreateAppRequest): Promise<CreatedApp> {
    const app = validateCreateApp(req, this.options);
    await this.refuseInternalRepository(app);
    await this.refuseTakenDomains(req.name, app.domains);
    const time = this.now().toISOString();
    const record: AppRecord = { name: req.name, ...recordParts(app), config: { ...app.config, secretsVersion: 1 }, createdAt: time, updatedAt: time, version: 1 };
    const webhookSecret = newWebhookSecret();
    if (!(await this.store.create(record, { ...app.secrets, webhookSecret }))) {
      // Taken meanwhile: the name, or (by an app made at the same time) a domain.
      if (!(await this.store.get(req.name))) await this.refuseTakenDomains(req.name, app.domains);
      throw new ConflictError('name_conflict', `an app named ${JSON.stringify(req.name)} already exists`, 'name');
    }
    try {
      await this.routing.addApp(record.name);
    } catch (err) {
      // Without its backends the app could never be routed: the create did not happen.
      await this.store.remove(record.name).catch(() => undefined);
      throw err;
    }
    this.logger.info('app created', { app: record.name, source: record.source.type });
    if (record.domains.length > 0) this.domainsChanged(record);
    return { ...(await this.view(record)), webhook_secret: webhookSecret };
  }

  async get(name: string): Promise<AppView> {
    return this.view(await this.record(name));
  }

  async list(): Promise<AppList> {
    const records = await this.store.list();
    return { apps: await Promise.all(records.map((r) => this.view(r))) };
  }

  /** Applies a change; retried on a concurrent writer, since the change is re-validated against what was stored. */
  async patch(name: string, req: UpdateAppRequest): Promise<AppView> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.record(name);
      const secrets = await this.currentSecrets(current);
      const app = validateAppPatch(current, secrets, req, this.options);
      await this.refuseInternalRepository(app);
      await this.refuseTakenDomains(name, app.domains);
      const secretsDiff = secretsChanged(secrets, app.secrets);
      const next: AppRecord = {
        ...current,
        ...recordParts(app),
        config: { ...app.config, secretsVersion: current.config.secretsVersion },
        updatedAt: this.now().toISOString(),
        version: current.version + 1,
      };
      if (!app.watchPaths) delete next.watchPaths;
      const stored = secretsDiff.any
        ? await this.storeWithSecrets(next, current, { ...withoutCredentials(secrets), ...app.secrets })
        : (await this.store.update(next, current.version)) && next;
      if (!stored) {
        if (attempt >= UPDATE_TRIES) throw new ConflictError('state_conflict', `app ${name} is being changed by someone else; try again`);
        continue;
      }
      await this.afterPatch(current, stored, runtimeChanged(current.config, app.config) || secretsDiff.env);
      return this.view(stored);
    }
  }

  /** A new webhook secret, shown once; the previous one stays valid for the grace period. */
  async rotateWebhookSecret(name: string): Promise<RotatedWebhookSecret> {
    for (let attempt = 1; ; attempt++) {
      const current = await this.record(name);
      const secrets = await this.currentSecrets(current);
      const webhookSecret = newWebhookSecret();
      const validUntil = new Date(this.now().getTime() + this.options.webhookGraceHours * 3600_000).toISOString();
      const next: AppRecord = { ...current, updatedAt: this.now().toISOString(), version: current.version + 1 };
      const value: AppSecrets = { ...secrets, webhookSecret, previousWebhookSecret: { secret: secrets.webhookSecret, validUntil } };
      if (await this.storeWithSecrets(next, current, value)) {
        this.logger.info('webhook secret rotated', { app: name });
        return { webhook_secret: webhookSecret, previous_valid_until: validUntil };
      }
      if (attempt >= UPDATE_TRIES) throw new ConflictError('state_conflict', `app ${name} is being changed by someone else; try again`);
    }
  }

  /**
   * Removes the app: its routes, the containers this Berth recorded for it, with `volumes` its
   * volumes, then the record. The record goes last, so a removal cut short is finished by asking again.
   */
  async remove(name: string, volumes: boolean): Promise<void> {
    const record = await this.record(name);
    await this.routing.removeApp(name);
    let containers = await this.cleanup.removeContainers(name);
    const removedVolumes = volumes ? await this.cleanup.removeVolumes(name, Object.keys(record.config.volumes)) : [];
    // The app's other nodes: where its live release runs, and where its next deploy goes.
    for (const node of new Set([record.liveNode, record.config.node].filter((n): n is string => n !== undefined && n !== 'local'))) {
      const cleanup = await this.hooks.nodeCleanup?.(node);
      if (!cleanup) continue;
      containers += await cleanup.removeContainers(name);
      if (volumes) removedVolumes.push(...(await cleanup.removeVolumes(name, Object.keys(record.config.volumes))).map((v) => `${node}:${v}`));
    }
    await this.store.remove(name);
    this.logger.info('app removed', { app: name, containers, volumes: removedVolumes });
  }

  /** Stores `value` as a new secrets version and `next` naming it; undefined when another writer came first. */
  private async storeWithSecrets(next: AppRecord, current: AppRecord, value: AppSecrets): Promise<AppRecord | undefined> {
    const version = await this.store.nextSecretsVersion(next.name);
    const record = { ...next, config: { ...next.config, secretsVersion: version } };
    return (await this.store.update(record, current.version, { version, value })) ? record : undefined;
  }

  private async afterPatch(before: AppRecord, after: AppRecord, configChanged: boolean): Promise<void> {
    const live = after.liveRelease !== undefined && after.liveSlot !== undefined && !after.stopped;
    if (live && !sameList(before.domains, after.domains)) await this.routing.route(after.name, after.domains, after.liveSlot!);
    if (after.domains.length > 0 && !sameList(before.domains, after.domains)) this.domainsChanged(after);
    if (configChanged && this.hooks.onConfigChanged) await this.hooks.onConfigChanged(after);
  }

  private domainsChanged(app: AppRecord): void {
    try {
      this.hooks.onDomainsChanged?.(app);
    } catch (err) {
      this.logger.warn('domain change not handled', { app: app.name, error: String(err) });
    }
  }

  private async record(name: string): Promise<AppRecord> {
    const record = await this.store.get(name);
    if (!record) throw new NotFoundError('app', name);
    return record;
  }

  private async currentSecrets(record: AppRecord): Promise<AppSecrets> {
    const secrets = await this.store.secrets(record.name, record.config.secretsVersion);
    if (!secrets) throw new AppError('secrets_unreadable', `the sealed values of app ${record.name} (version ${record.config.secretsVersion}) are gone`);
    return secrets;
  }

  /** As builds do: said now rather than by the first deployment's build (which checks again). */
  private async refuseInternalRepository(app: ValidatedApp): Promise<void> {
    if (app.source.type !== 'git') return;
    const url = parseGitUrl(app.source.build.git_repo, this.options.allowFileUrls);
    if (typeof url === 'string' || url.scheme === 'file') return;
    const refusal = await refuseInternalHost(url.host, this.options.allowedHosts, this.options.resolver);
    if (refusal) throw new ValidationError(refusal, 'git_repo');
  }

  private async refuseTakenDomains(name: string, domains: readonly string[]): Promise<void> {
    if (domains.length === 0) return;
    const wanted = new Set(domains);
    for (const other of await this.store.list()) {
      if (other.name === name) continue;
      const taken = other.domains.find((d) => wanted.has(d));
      if (taken) throw new ConflictError('name_conflict', `${taken} is a domain of app ${other.name}`, `domains[${domains.indexOf(taken)}]`);
    }
  }

  private async view(record: AppRecord): Promise<AppView> {
    const state = this.hooks.replicas ? await this.hooks.replicas.read(record) : { deploying: false, replicas: [] };
    return toAppView(record, state);
  }
}

function recordParts(app: ValidatedApp): Pick<AppRecord, 'source' | 'domains' | 'buildEnvNames' | 'hasCredentials' | 'watchPaths'> {
  return {
    source: app.source,
    domains: app.domains,
    buildEnvNames: app.buildEnvNames,
    hasCredentials: app.secrets.credentials !== undefined,
    ...(app.watchPaths ? { watchPaths: app.watchPaths } : {}),
  };
}

/** The webhook secrets are the service's own; the rest comes from the checked request, credentials included (or not). */
function withoutCredentials(secrets: AppSecrets): AppSecrets {
  const { credentials: _replaced, ...rest } = secrets;
  return rest;
}

function newWebhookSecret(): string {
  return randomBytes(WEBHOOK_SECRET_BYTES).toString('hex');
}

function secretsChanged(current: AppSecrets, next: ValidatedApp['secrets']): { any: boolean; env: boolean } {
  const env = JSON.stringify(sorted(current.env)) !== JSON.stringify(sorted(next.env));
  const rest =
    JSON.stringify(sorted(current.buildEnv)) !== JSON.stringify(sorted(next.buildEnv)) || JSON.stringify(current.credentials) !== JSON.stringify(next.credentials);
  return { any: env || rest, env };
}

function runtimeChanged(before: AppRuntimeConfig, after: ValidatedApp['config']): boolean {
  return RUNTIME_FIELDS.some((f) => JSON.stringify(before[f]) !== JSON.stringify(after[f as keyof ValidatedApp['config']]));
}

function sorted(values: Record<string, string>): Array<[string, string]> {
  return Object.entries(values).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function sameList(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((v, i) => v === b[i]);
}
