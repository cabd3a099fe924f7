import { isHostPath, joinRelativePath } from '../paths';
import { shownKey } from '../log-text';
import type { ComposeFile, ComposeMap } from './compose-file';
import { isMap } from './compose-file';
import { hasVariable } from './compose-values';

/**
 * Other files a compose file makes Compose read: compose files through top-level `include` and
 * `services.<name>.extends.file` (their services are merged in, so the policy must check them
 * too), and env files of `include` entries.
 */
export interface ComposeReference {
  /** Key path in the referring file, e.g. `include[0].path` or `services.web.extends.file`. */
  field: string;
  path: string;
  kind: 'compose' | 'file';
}

export function composeReferences(compose: ComposeFile): ComposeReference[] {
  const includes = Array.isArray(compose.root.include) ? compose.root.include : [];
  return [
    ...includes.flatMap((entry: unknown, index) => includeReferences(entry, `include[${index}]`)),
    ...Object.entries(compose.services).flatMap(([name, service]) => extendsReference(name, service)),
  ];
}

/** `include` entries: a path, or `{ path: string | string[], env_file: string | string[] }`. */
function includeReferences(entry: unknown, at: string): ComposeReference[] {
  if (typeof entry === 'string') return [{ field: at, path: entry, kind: 'compose' }];
  if (!isMap(entry)) return [];
  return [
    ...stringsOf(entry.path, `${at}.path`).map(([field, path]) => ({ field, path, kind: 'compose' as const })),
    ...stringsOf(entry.env_file, `${at}.env_file`).map(([field, path]) => ({ field, path, kind: 'file' as const })),
  ];
}

function extendsReference(name: string, service: ComposeMap): ComposeReference[] {
  const file = isMap(service.extends) ? service.extends.file : undefined;
  return typeof file === 'string' ? [{ field: `services.${name}.extends.file`, path: file, kind: 'compose' }] : [];
}

function stringsOf(value: unknown, at: string): Array<[string, string]> {
  if (typeof value === 'string') return [[at, value]];
  if (!Array.isArray(value)) return [];
  return value.flatMap((item: unknown, index) => (typeof item === 'string' ? [[`${at}[${index}]`, item] as [string, string]] : []));
}

/**
 * A path Compose would read outside the repository: absolute or home paths, paths that climb
 * out, remote references (URLs, `git@`), and paths holding a variable, which may expand to any
 * of those.
 */
export function outsideRepository(compose: ComposeFile, path: string): boolean {
  if (isHostPath(path) || hasVariable(path) || /^[a-z][a-z0-9+.-]*:\/\/|^git@/i.test(path)) return true;
  try {
    joinRelativePath(compose.dir, path, 'file');
    return false;
  } catch {
    return true;
  }
}

/** The repository path of a reference that is inside the repository. */
export function referencedPath(compose: ComposeFile, reference: ComposeReference): string {
  return joinRelativePath(compose.dir, reference.path, shownKey(reference.field));
}
