import type { ComposeFile, ComposeMap } from './compose-file';
import { isMap } from './compose-file';
import { hasVariable } from './compose-values';

/** The top-level definitions a set of services uses, by section; `all` when a name may be any. */
export interface UsedDefinitions {
  volumes: Set<string> | 'all';
  networks: Set<string> | 'all';
  secrets: Set<string> | 'all';
  configs: Set<string> | 'all';
}

/**
 * The service and those it extends inside the same file, whose settings Compose merges into it
 * (`extends: {service: base}` without `file`). `seen` stops cycles, which Compose refuses anyway.
 */
export function serviceWithBases(compose: ComposeFile, name: string): Array<[string, ComposeMap]> {
  const chain: Array<[string, ComposeMap]> = [];
  const seen = new Set<string>();
  let current: string | undefined = name;
  while (current !== undefined && !seen.has(current)) {
    seen.add(current);
    const service: ComposeMap | undefined = compose.services[current];
    if (service === undefined) break;
    chain.push([current, service]);
    current = baseInSameFile(service.extends);
  }
  return chain;
}

/** `extends: base` or `extends: {service: base}` without `file`. */
function baseInSameFile(value: unknown): string | undefined {
  if (typeof value === 'string') return value;
  return isMap(value) && value.file === undefined && typeof value.service === 'string' ? value.service : undefined;
}

/**
 * The named volumes, networks, secrets and configs the services refer to. A service without
 * `networks` is on the project's `default` network. A name holding a variable may expand to any
 * definition, so it makes the whole section count.
 */
export function definitionsUsed(services: ComposeMap[]): UsedDefinitions {
  return {
    volumes: namesOf(services.flatMap((service) => entriesOf(service.volumes).map(volumeSource))),
    networks: namesOf(services.flatMap((service) => (service.networks == null ? ['default'] : entriesOf(service.networks).map(plainName)))),
    secrets: namesOf(services.flatMap((service) => entriesOf(service.secrets).map(sourceName))),
    configs: namesOf(services.flatMap((service) => entriesOf(service.configs).map(sourceName))),
  };
}

/** The entries of a definition section that `used` names. */
export function pickDefinitions(section: unknown, used: Set<string> | 'all'): unknown {
  if (!isMap(section) || used === 'all') return section;
  return Object.fromEntries(Object.entries(section).filter(([name]) => used.has(name)));
}

/** List entries, or the keys of a mapping (`networks: {back: {...}}`). */
function entriesOf(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return isMap(value) ? Object.keys(value) : [];
}

function namesOf(names: Array<string | undefined>): Set<string> | 'all' {
  const known = names.filter((name): name is string => name !== undefined);
  return known.some(hasVariable) ? 'all' : new Set(known);
}

function plainName(entry: unknown): string | undefined {
  return typeof entry === 'string' ? entry : undefined;
}

/** `source` of a long-syntax entry, or the short syntax itself. */
function sourceName(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry;
  return isMap(entry) && typeof entry.source === 'string' ? entry.source : undefined;
}

/** The source of `name:/path[:mode]` or `{type: volume, source}`; host paths are the service policy's. */
function volumeSource(entry: unknown): string | undefined {
  if (typeof entry === 'string') return entry.includes(':') ? entry.slice(0, entry.indexOf(':')) : undefined;
  return isMap(entry) && (entry.type === undefined || entry.type === 'volume') ? sourceName(entry) : undefined;
}
