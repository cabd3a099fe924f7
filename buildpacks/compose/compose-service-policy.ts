import { shownKey } from '../log-text';
import type { ComposeFile, ComposeMap } from './compose-file';
import { isMap } from './compose-file';
import { outsideRepository } from './compose-references';
import { hasVariable, mayBeTrue, mayExpandTo } from './compose-values';

/** One way a compose file reaches outside its containers, at its exact key path. */
export interface HostAccess {
  field: string;
  reason: string;
  /** The file it was found in, when not the compose file the build asked for. */
  file?: string;
}

/**
 * Namespace settings: `host` shares the host's namespace, `container:<name>` joins any container
 * on the engine (Berth's own included), which is host access too. `service:<name>` stays inside
 * the project and is fine. A variable may expand to either: Compose reads variables from the
 * repository's own `.env` file, so the repository chooses their values.
 */
const NAMESPACE_KEYS = ['network_mode', 'pid', 'ipc', 'userns_mode', 'uts', 'cgroup'];
const ENGINE_SOCKET = /(docker|podman)\.sock/;
/** The one security option that only takes privileges away. */
const SAFE_SECURITY_OPT = /^no-new-privileges([:=]true)?$/;
/** Long-syntax volume types that mount nothing of the host. */
const CONTAINED_VOLUME_TYPES = ['volume', 'tmpfs', 'image'];

export function serviceAccess(compose: ComposeFile, at: string, service: ComposeMap): HostAccess[] {
  return [
    ...when(mayBeTrue(service.privileged), `${at}.privileged`, 'privileged mode'),
    ...NAMESPACE_KEYS.flatMap((key) => namespaceAccess(service[key], `${at}.${key}`)),
    ...when(nonEmptyList(service.cap_add), `${at}.cap_add`, 'adds kernel capabilities'),
    ...when(nonEmptyList(service.devices), `${at}.devices`, 'host devices'),
    ...when(nonEmptyList(service.device_cgroup_rules), `${at}.device_cgroup_rules`, 'allows access to host devices'),
    ...listEntries(service.security_opt, `${at}.security_opt`, securityOptAccess),
    ...listEntries(service.volumes, `${at}.volumes`, volumeAccess),
    ...listEntries(service.volumes_from, `${at}.volumes_from`, volumesFromAccess),
    ...hostFileAccess(compose, `${at}.env_file`, service.env_file),
    ...hostFileAccess(compose, `${at}.label_file`, service.label_file),
    ...buildAccess(compose, `${at}.build`, service.build),
  ];
}

function when(condition: boolean, field: string, reason: string): HostAccess[] {
  return condition ? [{ field, reason }] : [];
}

function nonEmptyList(value: unknown): boolean {
  return Array.isArray(value) && value.length > 0;
}

function namespaceAccess(value: unknown, field: string): HostAccess[] {
  if (typeof value !== 'string') return [];
  if (value === 'host') return [{ field, reason: "shares the host's namespace" }];
  if (value.startsWith('container:')) return [{ field, reason: `shares the namespace of ${shownKey(value)}` }];
  return when(hasVariable(value), field, 'set from a variable, which may name the host or a container');
}

function listEntries(value: unknown, at: string, check: (entry: unknown) => string | undefined): HostAccess[] {
  if (!Array.isArray(value)) return [];
  return value.flatMap((entry: unknown, index) => {
    const reason = check(entry);
    return reason === undefined ? [] : [{ field: `${at}[${index}]`, reason }];
  });
}

/** seccomp/apparmor profiles, SELinux labels and `systempaths` all loosen the container's confinement. */
function securityOptAccess(entry: unknown): string | undefined {
  if (typeof entry !== 'string' || SAFE_SECURITY_OPT.test(entry.trim())) return undefined;
  return 'changes the security profile';
}

/**
 * Bind mounts: short syntax `SOURCE:TARGET[:MODE]` whose source is a path (Compose's rule: it
 * starts with `.`, `/`, `~`, `\` or a drive letter; a bare name is a named volume; `$VAR` may
 * expand to a path), or long syntax of a type other than volume, tmpfs or image. Any mention of
 * the engine's socket is refused whatever the syntax: it is root on the host.
 */
function volumeAccess(entry: unknown): string | undefined {
  if (ENGINE_SOCKET.test(JSON.stringify(entry) ?? '')) return "mounts the container engine's socket";
  if (typeof entry === 'string') {
    const spec = entry.trim();
    if (isDrivePath(spec)) return `bind-mounts the host path ${shownKey(spec.split(':').slice(0, 2).join(':'))}`;
    const parts = spec.split(':');
    const source = parts.length > 1 ? (parts[0] ?? '') : '';
    return isBindSource(source) ? `bind-mounts the host path ${shownKey(source)}` : undefined;
  }
  if (!isMap(entry)) return undefined;
  const type = entry.type;
  if (typeof type === 'string' && (!CONTAINED_VOLUME_TYPES.includes(type) || hasVariable(type))) {
    return `${shownKey(type)} mount`;
  }
  const source = entry.source;
  return typeof source === 'string' && isBindSource(source) ? `bind-mounts the host path ${shownKey(source)}` : undefined;
}

function isBindSource(source: string): boolean {
  return /^[./~\\$]/.test(source) || isDrivePath(source);
}

function isDrivePath(path: string): boolean {
  return /^[A-Za-z]:[\\/]/.test(path);
}

function volumesFromAccess(entry: unknown): string | undefined {
  return typeof entry === 'string' && entry.startsWith('container:') ? 'takes the volumes of a container outside the project' : undefined;
}

/** `env_file` / `label_file`: a path, a list of paths, or a list of `{ path }`; read on the host. */
function hostFileAccess(compose: ComposeFile, at: string, value: unknown): HostAccess[] {
  const reads = (path: string): string => `reads ${shownKey(path)} on the host`;
  if (typeof value === 'string') return when(outsideRepository(compose, value), at, reads(value));
  return listEntries(value, at, (entry) => {
    const path = isMap(entry) ? entry.path : entry;
    return typeof path === 'string' && outsideRepository(compose, path) ? reads(path) : undefined;
  });
}

/**
 * Build settings Compose applies when it builds the service itself (Berth ignores them, but the
 * file asks for them): host networking, privileged or insecure builds, the host's SSH agent, and
 * extra contexts read from host folders. A context outside the repository is refused by
 * compose-build.ts for every service.
 */
function buildAccess(compose: ComposeFile, at: string, build: unknown): HostAccess[] {
  if (!isMap(build)) return [];
  const network = build.network;
  const hostNetwork = typeof network === 'string' && (mayExpandTo(network, 'host') || hasVariable(network));
  const ssh = build.ssh;
  const forwardsSsh = typeof ssh === 'string' ? ssh.trim() !== '' : nonEmptyList(ssh) || (isMap(ssh) && Object.keys(ssh).length > 0);
  return [
    ...when(hostNetwork, `${at}.network`, "uses the host's network while building"),
    ...when(mayBeTrue(build.privileged), `${at}.privileged`, 'privileged build'),
    ...when(nonEmptyList(build.entitlements), `${at}.entitlements`, 'grants build entitlements'),
    ...when(forwardsSsh, `${at}.ssh`, "forwards the host's SSH agent or keys"),
    ...additionalContexts(compose, `${at}.additional_contexts`, build.additional_contexts),
  ];
}

/** `additional_contexts` as a mapping or `name=value` list; images, URLs and other stages are fine. */
function additionalContexts(compose: ComposeFile, at: string, value: unknown): HostAccess[] {
  const entries: Array<[string, unknown]> = Array.isArray(value)
    ? value.map((item: unknown, index) => [`[${index}]`, typeof item === 'string' ? item.slice(item.indexOf('=') + 1) : item])
    : isMap(value)
      ? Object.entries(value).map(([name, item]) => [`.${shownKey(name)}`, item])
      : [];
  return entries.flatMap(([key, item]) => {
    if (typeof item !== 'string') return [];
    const path = item.startsWith('oci-layout://') ? item.slice('oci-layout://'.length) : item;
    const remote = /^(docker-image|https?|git|ssh|service|target):|^git@/i.test(path);
    return !remote && outsideRepository(compose, path) ? [{ field: `${at}${key}`, reason: `reads ${shownKey(path)} on the host` }] : [];
  });
}
