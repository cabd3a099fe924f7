import { shownKey } from '../log-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import type { ComposeFile } from './compose-file';
import { isMap, parseComposeFile } from './compose-file';
import type { ComposeReference } from './compose-references';
import { composeReferences, outsideRepository, referencedPath } from './compose-references';
import type { HostAccess } from './compose-service-policy';
import { serviceAccess } from './compose-service-policy';
import { definitionsUsed, pickDefinitions, serviceWithBases } from './compose-service-scope';
import { hasVariable, mayBeTrue, mayExpandTo } from './compose-values';

export type { HostAccess } from './compose-service-policy';

/**
 * Refuses a compose file that would give its containers access to the host, unless the operator
 * allows it. Building the whole file, every service is checked, built or not: Compose starts
 * them all. So are the compose files it pulls in with `include` and `extends.file`, whose
 * services Compose merges in. Building one `service`, only what that service gets is checked
 * (see `findServiceHostAccess`): the other services are neither built nor run by this build.
 */
export function assertNoHostAccess(workspace: Workspace, compose: ComposeFile, service?: string): void {
  const found = service === undefined ? findHostAccess(workspace, compose) : findServiceHostAccess(workspace, compose, service);
  const first = found[0];
  if (first === undefined) return;
  const listed = found.map((access) => `${access.file ? `${access.file}: ` : ''}${access.field} (${access.reason})`).join('; ');
  throw new PlanError(`${compose.path} asks for host access, which this server does not allow (allowComposeHostAccess): ${listed}`, 'host_access', first.field);
}

/** Host access asked for by the file and the files it references; `seen` stops include cycles. */
export function findHostAccess(workspace: Workspace, compose: ComposeFile, seen: Set<string> = new Set()): HostAccess[] {
  seen.add(compose.path);
  return [
    ...Object.entries(compose.services).flatMap(([name, service]) => serviceAccess(compose, `services.${name}`, service)),
    ...volumeDefinitions(compose.root.volumes),
    ...networkDefinitions(compose.root.networks),
    ...hostFiles(compose, 'secrets'),
    ...hostFiles(compose, 'configs'),
    ...composeReferences(compose).flatMap((reference) => referenceAccess(workspace, compose, reference, seen)),
  ];
}

/**
 * Host access that one service gets: its own settings and those of the services it extends in
 * this file, a file it extends (checked whole), and the top-level volumes, networks, secrets and
 * configs they use.
 */
export function findServiceHostAccess(workspace: Workspace, compose: ComposeFile, name: string): HostAccess[] {
  const chain = serviceWithBases(compose, name);
  const extendsFields = new Set(chain.map(([serviceName]) => `services.${serviceName}.extends.file`));
  const used = definitionsUsed(chain.map(([, service]) => service));
  const scoped: ComposeFile = {
    ...compose,
    root: { ...compose.root, secrets: pickDefinitions(compose.root.secrets, used.secrets), configs: pickDefinitions(compose.root.configs, used.configs) },
  };
  const seen = new Set([compose.path]);
  return [
    ...chain.flatMap(([serviceName, service]) => serviceAccess(compose, `services.${serviceName}`, service)),
    ...volumeDefinitions(pickDefinitions(compose.root.volumes, used.volumes)),
    ...networkDefinitions(pickDefinitions(compose.root.networks, used.networks)),
    ...hostFiles(scoped, 'secrets'),
    ...hostFiles(scoped, 'configs'),
    ...composeReferences(compose)
      .filter((reference) => extendsFields.has(reference.field))
      .flatMap((reference) => referenceAccess(workspace, compose, reference, seen)),
  ];
}

/**
 * A referenced file outside the repository cannot be checked and is read on the host: refused.
 * One inside is checked like the main file; a missing one is Compose's error, not a risk.
 */
function referenceAccess(workspace: Workspace, compose: ComposeFile, reference: ComposeReference, seen: Set<string>): HostAccess[] {
  if (outsideRepository(compose, reference.path)) {
    const what = reference.kind === 'compose' ? 'includes the compose file' : 'reads';
    return [{ field: reference.field, reason: `${what} ${shownKey(reference.path)} from outside the repository` }];
  }
  if (reference.kind !== 'compose') return [];
  const path = referencedPath(compose, reference);
  if (seen.has(path) || workspace.readFile(path) === undefined) return [];
  const referenced = parseComposeFile(workspace, path, false);
  return findHostAccess(workspace, referenced, seen).map((access) => ({ ...access, file: access.file ?? path }));
}

/** Named volumes are fine unless the local driver is told to bind a host folder into them. */
function volumeDefinitions(volumes: unknown): HostAccess[] {
  if (!isMap(volumes)) return [];
  return Object.entries(volumes).flatMap(([name, volume]) => {
    const options = isMap(volume) && isMap(volume.driver_opts) ? volume.driver_opts : undefined;
    const mount = options !== undefined && typeof options.o === 'string' ? options.o : '';
    const bind = mount.split(',').some((option) => ['bind', 'rbind'].includes(option.trim())) || hasVariable(mount);
    return bind ? [{ field: `volumes.${shownKey(name)}.driver_opts`, reason: 'binds a host folder into a named volume' }] : [];
  });
}

/**
 * The engine's `host` network, reached through a network definition instead of
 * `network_mode: host`: an explicit `name: host` (Compose uses an existing network of that name),
 * an external network keyed `host`, or the host driver.
 */
function networkDefinitions(networks: unknown): HostAccess[] {
  if (!isMap(networks)) return [];
  return Object.entries(networks).flatMap(([key, network]) => {
    if (!isMap(network)) return [];
    const external = isMap(network.external) ? network.external : undefined;
    const name = typeof network.name === 'string' ? network.name : typeof external?.name === 'string' ? external.name : undefined;
    const keyed = name === undefined && (external !== undefined || mayBeTrue(network.external)) ? key : undefined;
    const driver = typeof network.driver === 'string' ? network.driver : '';
    const host = [name, keyed, driver].some((value) => value !== undefined && value !== '' && mayExpandTo(value, 'host'));
    return host ? [{ field: `networks.${shownKey(key)}`, reason: "uses the host's network" }] : [];
  });
}

/** Compose reads secret and config files on the host: they must come from the repository. */
function hostFiles(compose: ComposeFile, section: 'secrets' | 'configs'): HostAccess[] {
  const entries = compose.root[section];
  if (!isMap(entries)) return [];
  return Object.entries(entries).flatMap(([name, entry]) => {
    const file = isMap(entry) ? entry.file : undefined;
    const field = `${section}.${shownKey(name)}.file`;
    return typeof file === 'string' && outsideRepository(compose, file) ? [{ field, reason: `reads ${shownKey(file)} on the host` }] : [];
  });
}
