import { parse } from 'yaml';
import { shownKey } from '../log-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { normaliseRelativePath, parentDirectory } from '../paths';

/**
 * Files looked for when `compose.composeFile` is not set, in Compose's own order of preference
 * (compose-go's DefaultFileNames), so a repository holding two of them builds the one
 * `docker compose up` would run.
 */
export const DEFAULT_COMPOSE_FILES = ['compose.yaml', 'compose.yml', 'docker-compose.yml', 'docker-compose.yaml'];

/** Compose's rule for service names; they also become part of image tags. */
const SERVICE_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export type ComposeMap = Record<string, unknown>;

export interface ComposeFile {
  /** Repository-relative path of the file. */
  path: string;
  /** Folder relative paths in the file are resolved against ('' for the root). */
  dir: string;
  root: ComposeMap;
  services: Record<string, ComposeMap>;
}

export function readComposeFile(workspace: Workspace, composeFile: string | undefined): ComposeFile {
  return parseComposeFile(workspace, locate(workspace, composeFile), true);
}

/**
 * Parses the compose file at a repository path that exists. Files pulled in by `include` or
 * `extends.file` may hold no services (only networks or volumes), so `requireServices` is off
 * for them.
 */
export function parseComposeFile(workspace: Workspace, path: string, requireServices: boolean): ComposeFile {
  const root = parseYaml(path, workspace.readFile(path) ?? '');
  const services = requireServices || root.services != null ? readServices(path, root) : {};
  return { path, dir: parentDirectory(path), root, services };
}

function locate(workspace: Workspace, composeFile: string | undefined): string {
  if (composeFile !== undefined) {
    const path = normaliseRelativePath(composeFile, 'compose.composeFile');
    if (path !== '' && workspace.readFile(path) !== undefined) return path;
    throw new PlanError(`No compose file at "${composeFile}" in the repository`, 'invalid_repository', 'compose.composeFile');
  }
  const found = DEFAULT_COMPOSE_FILES.find((file) => workspace.readFile(file) !== undefined);
  if (found !== undefined) return found;
  throw new PlanError(`No compose file in the repository; looked for ${DEFAULT_COMPOSE_FILES.join(', ')}`, 'invalid_repository', 'compose.composeFile');
}

function parseYaml(path: string, text: string): ComposeMap {
  let parsed: unknown;
  try {
    // Merge keys (`<<: *defaults`) are common in compose files; the alias limit stops alias bombs.
    // Compose's own tags (`!reset`, `!override`) only warn and keep their value, and warnings
    // would go to the process's stderr rather than the build log.
    parsed = parse(text, { merge: true, maxAliasCount: 100, logLevel: 'error' });
  } catch (error) {
    const reason = (error instanceof Error ? error.message : String(error)).split('\n')[0];
    throw new PlanError(`${path} is not valid YAML: ${reason}`, 'invalid_repository', 'compose.composeFile');
  }
  if (!isMap(parsed)) throw new PlanError(`${path} must be a YAML mapping`, 'invalid_repository', 'compose.composeFile');
  return parsed;
}

function readServices(path: string, root: ComposeMap): Record<string, ComposeMap> {
  if (!isMap(root.services)) {
    throw new PlanError(`${path} has no services mapping`, 'invalid_repository', 'services');
  }
  const services: Record<string, ComposeMap> = {};
  for (const [name, service] of Object.entries(root.services)) {
    if (!SERVICE_NAME.test(name)) {
      const shown = shownKey(name);
      throw new PlanError(`${path}: ${JSON.stringify(name)} is not a valid service name`, 'invalid_repository', `services.${shown}`);
    }
    // `web:` with nothing under it is a valid (if useless) service in Compose.
    if (service !== null && !isMap(service)) {
      throw new PlanError(`${path}: services.${name} must be a mapping`, 'invalid_repository', `services.${name}`);
    }
    services[name] = service ?? {};
  }
  return services;
}

export function isMap(value: unknown): value is ComposeMap {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
