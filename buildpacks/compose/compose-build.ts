import { posix } from 'node:path';
import { shownKey } from '../log-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import { isHostPath, joinRelativePath } from '../paths';
import type { ComposeFile } from './compose-file';
import { isMap } from './compose-file';
import { hasVariable } from './compose-values';

/** A service's `build:` section, resolved against the repository. */
export interface ServiceBuild {
  /** Repository-relative context ('' for the root). */
  context: string;
  /** Dockerfile relative to the context. */
  dockerfile: string;
  args: Record<string, string>;
  target?: string;
  /** Keys of the section that Berth does not apply (cache_from, network, ssh...). */
  ignored: string[];
}

const APPLIED_KEYS = ['context', 'dockerfile', 'args', 'target'];
/** Build stage names, as the API checks `dockerfile_config.target`. */
const STAGE_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const REMOTE_CONTEXT = /^[a-z][a-z0-9+.-]*:\/\/|^git@/i;

/**
 * Reads `build:` in its string form (the context) or its object form. Paths are relative to the
 * compose file's folder, as in Compose; the context must stay inside the repository, which is
 * all the worker has, and the Dockerfile inside the context, which is all the builder receives.
 */
export function readServiceBuild(workspace: Workspace, compose: ComposeFile, name: string): ServiceBuild {
  const at = `services.${name}.build`;
  const build = compose.services[name]?.build;
  const section = typeof build === 'string' ? { context: build } : build;
  if (!isMap(section)) throw invalid(`${at} must be a path or a mapping`, at);
  if (section.dockerfile_inline !== undefined) throw invalid(`${at}.dockerfile_inline is not supported`, `${at}.dockerfile_inline`);
  const context = readContext(workspace, compose, section.context ?? '.', `${at}.context`);
  const dockerfile = readDockerfile(workspace, context, section.dockerfile ?? 'Dockerfile', `${at}.dockerfile`);
  const target = section.target;
  if (target !== undefined && (typeof target !== 'string' || !STAGE_NAME.test(target))) {
    throw invalid(`${at}.target must be a build stage name`, `${at}.target`);
  }
  return {
    context,
    dockerfile,
    args: readArgs(section.args, `${at}.args`),
    ...(target !== undefined ? { target } : {}),
    ignored: Object.keys(section)
      .filter((key) => !APPLIED_KEYS.includes(key))
      .map((key) => `${at}.${shownKey(key)}`),
  };
}

/**
 * For services not built here (another `compose.service` was asked for): the same rule that
 * contexts and Dockerfiles stay inside the repository, without requiring the files to exist.
 * Compose would build these services from the same file.
 */
export function assertBuildInsideRepository(compose: ComposeFile, name: string): void {
  const at = `services.${name}.build`;
  const build = compose.services[name]?.build;
  const section = typeof build === 'string' ? { context: build } : build;
  if (!isMap(section)) return;
  const value = section.context ?? '.';
  if (typeof value !== 'string' || REMOTE_CONTEXT.test(value)) return;
  const context = joinRelativePath(compose.dir, literalPath(value, `${at}.context`), `${at}.context`);
  if (typeof section.dockerfile === 'string') dockerfileInContext(context, section.dockerfile, `${at}.dockerfile`);
}

function readContext(workspace: Workspace, compose: ComposeFile, value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, field);
  if (REMOTE_CONTEXT.test(value)) {
    throw invalid(`${field}: remote build contexts are not supported, only folders of the repository`, field);
  }
  const context = joinRelativePath(compose.dir, literalPath(value, field), field);
  if (!workspace.exists(context)) throw invalid(`${field}: ${JSON.stringify(value)} does not exist in the repository`, field);
  return context;
}

function readDockerfile(workspace: Workspace, context: string, value: unknown, field: string): string {
  if (typeof value !== 'string') throw invalid(`${field} must be a string`, field);
  const relative = dockerfileInContext(context, value, field);
  const path = context === '' ? relative : `${context}/${relative}`;
  if (workspace.readFile(path) === undefined) throw invalid(`${field}: no Dockerfile at "${path}"`, field);
  return relative;
}

/** The Dockerfile's path relative to the context, which must hold it: the builder gets nothing else. */
function dockerfileInContext(context: string, value: string, field: string): string {
  if (isHostPath(value)) throw invalid(`${field}: ${JSON.stringify(value)} must be relative to the build context`, field);
  const path = joinRelativePath(context, literalPath(value, field), field);
  const relative = posix.relative(context === '' ? '.' : context, path === '' ? '.' : path);
  if (relative === '' || relative === '..' || relative.startsWith('../')) {
    throw invalid(`${field}: ${JSON.stringify(value)} must be inside the build context`, field);
  }
  return relative;
}

/**
 * Compose would interpolate `${VAR}` in a path, from an environment that includes the
 * repository's own `.env` file, so the path it builds from is unknown here and may be anywhere.
 */
function literalPath(value: string, field: string): string {
  if (!hasVariable(value)) return value;
  throw invalid(`${field}: ${JSON.stringify(value)} uses a variable; build paths must name folders and files of the repository`, field);
}

/**
 * `args` as a mapping or a list of `NAME=value`. An argument without a value takes its value
 * from the environment in Compose; here the request's env, which every image gets anyway.
 */
function readArgs(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (!Array.isArray(value) && !isMap(value)) throw invalid(`${field} must be a mapping or a list`, field);
  const entries = Array.isArray(value) ? value.map((item) => splitArg(item, field)) : Object.entries(value);
  const args: Record<string, string> = {};
  for (const [name, arg] of entries) {
    if (arg === null || arg === undefined) continue;
    if (typeof arg !== 'string' && typeof arg !== 'number' && typeof arg !== 'boolean') throw invalid(`${field}.${name} must be a string`, `${field}.${name}`);
    args[name] = String(arg);
  }
  return args;
}

function splitArg(item: unknown, field: string): [string, string | undefined] {
  if (typeof item !== 'string') throw invalid(`${field} entries must be strings like NAME=value`, field);
  const equals = item.indexOf('=');
  return equals < 0 ? [item, undefined] : [item.slice(0, equals), item.slice(equals + 1)];
}

function invalid(message: string, field: string): PlanError {
  return new PlanError(message, 'invalid_repository', field);
}
