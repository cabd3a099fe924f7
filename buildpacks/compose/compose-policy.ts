import { PlanError } from '../plan';
import { isHostPath, joinRelativePath } from '../paths';
import { ComposeFile, ComposeMap, isMap } from './compose-file';

/** One way a compose file reaches outside its containers, at its exact key path. */
export interface HostAccess {
  field: string;
  reason: string;
}

/**
 * Namespace settings: `host` shares the host's namespace, `container:<name>` joins any container
 * on the engine (Berth's own included), which is host access too. `service:<name>` stays inside
 * the project and is fine.
 */
const NAMESPACE_KEYS = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'];
const ENGINE_SOCKET = /(docker|podman)\.sock/;

/**
 * Refuses a compose file that would give its containers access to the host, unless the operator
 * allows it. Every service is checked, built or not: Compose starts them all.
 */
export function assertNoHostAccess(compose: ComposeFile): void {
  const found = findHostAccess(compose);
  const first = found[0];
  if (first === undefined) return;
  const listed = found.map((access) => `${access.field} (${access.reason})`).join('; ');
  throw new PlanError(
    `${compose.path} asks for host access, which this server does not allow (allowComposeHostAccess): ${listed}`,
    'host_access',
    first.field,
  );
}

export function findHostAccess(compose: ComposeFile): HostAccess[] {
  return [
    ...Object.entries(compose.services).flatMap(([name, service]) => serviceAccess(compose, `services.${name}`, service)),
    ...volumeDefinitions(compose.root.volumes),
    ...hostFiles(compose, 'secrets'),
    ...hostFiles(compose, 'configs'),
  ];
}

function serviceAccess(compose: ComposeFile, at: string, service: ComposeMap): HostAccess[] {
  const found: HostAccess[] = [];
  if (service.privileged === true || service.privileged === 'true') {
    found.push({ field: `${at}.privileged`, reason: 'privileged mode' });
  }
  for (const key of NAMESPACE_KEYS) {
    const value = service[key];
    if (typeof value === 'string' && (value === 'host' || value.startsWith('container:'))) {
      found.push({ field: `${at}.${key}`, reason: `shares the namespace of ${value}` });
    }
  }
  for (const key of ['cap_add', 'devices']) {
    if (Array.isArray(service[key]) && (service[key] as unknown[]).length > 0) {
      found.push({ field: `${at}.${key}`, reason: key === 'cap_add' ? 'adds kernel capabilities' : 'host devices' });
    }
  }
  found.push(...listEntries(service.security_opt, `${at}.security_opt`, securityOptAccess));
  found.push(...listEntries(service.volumes, `${at}.volumes`, volumeAccess));
  found.push(...listEntries(service.volumes_from, `${at}.volumes_from`, volumesFromAccess));
  found.push(...envFileAccess(compose, `${at}.env_file`, service.env_file));
  return found;
}

function listEntries(value: unknown, at: string, check: (entry: unknown) => string | undefined): HostAccess[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry, index) => {
    const reason = check(entry);
    return reason === undefined ? [] : [{ field: `${at}[${index}]`, reason }];
  });
}

function securityOptAccess(entry: unknown): string | undefined {
  if (typeof entry !== 'string') return undefined;
  if (entry.includes('unconfined')) return 'disables a security profile';
  return /^label[:=]disable$/.test(entry) ? 'disables SELinux labels' : undefined;
}

/**
 * Bind mounts: short syntax `SOURCE:TARGET[:MODE]` whose source is a path (a bare name is a named
 * volume; `$VAR` may expand to a path), or long syntax with `type: bind`. Any mention of the
 * engine's socket is refused whatever the syntax: it is root on the host.
 */
function volumeAccess(entry: unknown): string | undefined {
  if (ENGINE_SOCKET.test(JSON.stringify(entry) ?? '')) return "mounts the container engine's socket";
  if (typeof entry === 'string') {
    const parts = entry.split(':');
    const source = parts.length > 1 ? (parts[0] ?? '') : '';
    return isBindSource(source) ? `bind-mounts the host path ${source}` : undefined;
  }
  if (!isMap(entry)) return undefined;
  if (entry.type === 'bind') return 'bind mount';
  return typeof entry.source === 'string' && isBindSource(entry.source) ? `bind-mounts the host path ${entry.source}` : undefined;
}

function isBindSource(source: string): boolean {
  return /^(\/|\.\/|\.\.\/|~|\$)/.test(source) || source === '.' || source === '..';
}

function volumesFromAccess(entry: unknown): string | undefined {
  return typeof entry === 'string' && entry.startsWith('container:') ? 'takes the volumes of a container outside the project' : undefined;
}

/** Named volumes are fine unless the local driver is told to bind a host folder into them. */
function volumeDefinitions(volumes: unknown): HostAccess[] {
  if (!isMap(volumes)) return [];
  return Object.entries(volumes).flatMap(([name, volume]) => {
    const options = isMap(volume) && isMap(volume.driver_opts) ? volume.driver_opts : undefined;
    const bind = options !== undefined && typeof options.o === 'string' && options.o.split(',').includes('bind');
    return bind ? [{ field: `volumes.${name}.driver_opts`, reason: 'binds a host folder into a named volume' }] : [];
  });
}

/** Compose reads secret, config and env files on the host: they must come from the repository. */
function hostFiles(compose: ComposeFile, section: 'secrets' | 'configs'): HostAccess[] {
  const entries = compose.root[section];
  if (!isMap(entries)) return [];
  return Object.entries(entries).flatMap(([name, entry]) => {
    const file = isMap(entry) ? entry.file : undefined;
    const field = `${section}.${name}.file`;
    return typeof file === 'string' && outsideRepository(compose, file) ? [{ field, reason: `reads ${file} on the host` }] : [];
  });
}

function envFileAccess(compose: ComposeFile, at: string, value: unknown): HostAccess[] {
  if (typeof value === 'string') {
    return outsideRepository(compose, value) ? [{ field: at, reason: `reads ${value} on the host` }] : [];
  }
  return listEntries(value, at, (entry) => {
    const path = isMap(entry) ? entry.path : entry;
    return typeof path === 'string' && outsideRepository(compose, path) ? `reads ${path} on the host` : undefined;
  });
}

function outsideRepository(compose: ComposeFile, path: string): boolean {
  if (isHostPath(path) || path.startsWith('$')) return true;
  try {
    joinRelativePath(compose.dir, path, 'file');
    return false;
  } catch {
    return true;
  }
}
