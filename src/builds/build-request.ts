import { posix } from 'node:path';
import type { PlanRequest } from '../../buildpacks/plan';
import { ValidationError } from '../errors';
import { isCommitSha, isValidRefName, parseGitUrl } from '../git/git-url';
import type { GitCredentials } from '../git/git.port';
import type { BuildRequest } from '../models/build.model';
import { splitSecretValues, type BuildSecrets } from './build-secrets';
import type { BuildNetwork, BuildSpec } from './build-spec';
import { isValidImageTag, withDefaultTag } from './image-reference';

export type { BuildNetwork, BuildSpec } from './build-spec';
const NETWORKS: readonly BuildNetwork[] = ['default', 'none'];

export interface ValidatedBuild {
  spec: BuildSpec;
  /** Request or URL credentials and the secret values, kept apart from the spec and only stored sealed. */
  secrets?: BuildSecrets;
}

const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/;
const VARIABLE = /^[A-Za-z_][A-Za-z0-9_]*$/;
const MAX_COMMAND = 4096;
const BUILDPACK_TYPES: ReadonlyArray<PlanRequest['buildpackType']> = ['nixpacks', 'static', 'dockerfile', 'docker-compose'];

/** True for an id a build may have: checked before any path id reaches a store key. */
export function isValidBuildId(id: string): boolean {
  return BUILD_ID.test(id);
}

/** Checks a build request field by field; throws ValidationError naming the first bad field. */
export function validateBuildRequest(req: BuildRequest, options: { allowFileUrls: boolean; newId: () => string; nodes?: readonly string[] }): ValidatedBuild {
  const id = req.id ?? options.newId();
  if (!BUILD_ID.test(id)) throw new ValidationError('id may hold letters, digits, ".", "_" and "-" (at most 128), starting with a letter or digit', 'id');
  const url = parseGitUrl(req.git_repo, options.allowFileUrls);
  if (typeof url === 'string') throw new ValidationError(`git_repo ${url}`, 'git_repo');
  if (req.git_branch !== undefined && !isValidRefName(req.git_branch)) {
    throw new ValidationError('git_branch is not a valid branch or tag name', 'git_branch');
  }
  if (req.git_commit !== undefined && !isCommitSha(req.git_commit)) {
    throw new ValidationError('git_commit must be a commit SHA (7 to 64 hex digits)', 'git_commit');
  }
  if (!isValidImageTag(req.image_tag)) {
    throw new ValidationError('image_tag must be an image reference like "myapp:latest" (lower-case name, optional registry and tag)', 'image_tag');
  }
  const buildpackType = req.buildpack_type === 'compose' ? 'docker-compose' : req.buildpack_type;
  if (!BUILDPACK_TYPES.includes(buildpackType)) {
    throw new ValidationError(`buildpack_type must be one of ${BUILDPACK_TYPES.join(', ')} (or compose)`, 'buildpack_type');
  }
  checkConfigMatches(req, buildpackType);
  const full: BuildSpec = {
    id,
    gitRepo: url.url,
    gitHost: url.host,
    gitScheme: url.scheme,
    ...(req.git_branch !== undefined ? { gitBranch: req.git_branch } : {}),
    ...(req.git_commit !== undefined ? { gitCommit: req.git_commit.toLowerCase() } : {}),
    submodules: req.git_submodules ?? false,
    baseDirectory: relativePath(req.base_directory ?? '', 'base_directory'),
    noCache: req.no_cache ?? false,
    network: buildNetwork(req.network),
    ...buildNode(req.node, options.nodes ?? []),
    plan: planRequest(req, buildpackType),
  };
  const git = credentials(req, url.username, url.password);
  const { spec, values } = splitSecretValues(full);
  return git || values ? { spec, secrets: { ...(git ? { git } : {}), ...values } } : { spec };
}

/** `local` is left out of the spec: a spec without `node` is what every build before nodes was. */
function buildNode(value: unknown, nodes: readonly string[]): { node?: string } {
  if (value === undefined || value === 'local') return {};
  if (typeof value !== 'string' || !nodes.includes(value)) {
    throw new ValidationError(`node must be "local" or a configured node (${['local', ...nodes].join(', ')})`, 'node');
  }
  return { node: value };
}

function buildNetwork(value: unknown): BuildNetwork {
  if (value === undefined) return 'default';
  if (typeof value !== 'string' || !NETWORKS.includes(value as BuildNetwork)) {
    throw new ValidationError(`network must be one of ${NETWORKS.join(', ')}`, 'network');
  }
  return value as BuildNetwork;
}

function checkConfigMatches(req: BuildRequest, type: PlanRequest['buildpackType']): void {
  const given: Array<[keyof BuildRequest, PlanRequest['buildpackType']]> = [
    ['nixpacks_config', 'nixpacks'],
    ['static_config', 'static'],
    ['dockerfile_config', 'dockerfile'],
    ['compose_config', 'docker-compose'],
  ];
  for (const [field, owner] of given) {
    if (req[field] !== undefined && owner !== type) {
      throw new ValidationError(`${field} does not apply to buildpack_type "${req.buildpack_type}"`, field);
    }
  }
}

function planRequest(req: BuildRequest, buildpackType: PlanRequest['buildpackType']): PlanRequest {
  const plan: PlanRequest = { buildpackType, imageTag: withDefaultTag(req.image_tag), env: variables(req.env, 'env') };
  const n = req.nixpacks_config;
  if (n) {
    plan.nixpacks = {
      ...optionalCommand(n.start_command, 'startCommand', 'nixpacks_config.start_command'),
      ...optionalCommand(n.build_command, 'buildCommand', 'nixpacks_config.build_command'),
      ...optionalCommand(n.install_command, 'installCommand', 'nixpacks_config.install_command'),
      variables: variables(n.variables, 'nixpacks_config.variables'),
    };
  }
  const s = req.static_config;
  if (s) {
    plan.static = {
      ...optionalCommand(s.build_command, 'buildCommand', 'static_config.build_command'),
      ...optionalCommand(s.install_command, 'installCommand', 'static_config.install_command'),
      ...(s.output_dir !== undefined ? { outputDir: relativePath(s.output_dir, 'static_config.output_dir') } : {}),
      ...(s.spa !== undefined ? { spa: s.spa } : {}),
    };
  }
  const d = req.dockerfile_config;
  if (d) {
    if (d.target !== undefined && !/^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}$/.test(d.target)) {
      throw new ValidationError('dockerfile_config.target must be a build stage name', 'dockerfile_config.target');
    }
    plan.dockerfile = {
      ...(d.dockerfile_path !== undefined ? { dockerfilePath: relativePath(d.dockerfile_path, 'dockerfile_config.dockerfile_path', false) } : {}),
      buildArgs: variables(d.build_args, 'dockerfile_config.build_args'),
      ...(d.target !== undefined ? { target: d.target } : {}),
    };
  }
  const c = req.compose_config;
  if (c) {
    if (c.service !== undefined && !/^[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}$/.test(c.service)) {
      throw new ValidationError('compose_config.service must be a compose service name', 'compose_config.service');
    }
    plan.compose = {
      ...(c.compose_file !== undefined ? { composeFile: relativePath(c.compose_file, 'compose_config.compose_file', false) } : {}),
      ...(c.service !== undefined ? { service: c.service } : {}),
    };
  }
  return plan;
}

/** A path inside the repository: relative, normalised, never climbing out. */
export function relativePath(value: string, field: string, allowRoot = true): string {
  if (typeof value !== 'string' || value.includes('\0') || value.includes('\\') || value.length > 1024) {
    throw new ValidationError(`${field} must be a relative path`, field);
  }
  if (value.startsWith('/')) throw new ValidationError(`${field} must be relative to the repository, not absolute`, field);
  const normal = posix.normalize(value === '' ? '.' : value).replace(/\/+$/, '');
  if (normal === '..' || normal.startsWith('../')) throw new ValidationError(`${field} must stay inside the repository`, field);
  const result = normal === '.' ? '' : normal;
  if (!allowRoot && result === '') throw new ValidationError(`${field} must name a file`, field);
  return result;
}

function variables(values: Record<string, string> | undefined, field: string): Record<string, string> {
  for (const [name, value] of Object.entries(values ?? {})) {
    if (!VARIABLE.test(name)) throw new ValidationError(`${JSON.stringify(name)} is not a valid variable name`, `${field}.${name}`);
    if (typeof value !== 'string' || /[\0\n\r]/.test(value)) {
      throw new ValidationError('values must be single-line strings', `${field}.${name}`);
    }
  }
  return { ...values };
}

function optionalCommand<K extends string>(value: string | undefined, key: K, field: string): Partial<Record<K, string>> {
  if (value === undefined) return {};
  if (value.trim() === '' || value.length > MAX_COMMAND || /[\0\n\r]/.test(value)) {
    throw new ValidationError('must be a non-empty single-line command', field);
  }
  return { [key]: value } as Partial<Record<K, string>>;
}

export function credentials(req: BuildRequest, urlUser?: string, urlPassword?: string): GitCredentials | undefined {
  const c = req.git_credentials;
  const username = c?.username ?? (urlPassword ? urlUser : undefined);
  const token = c?.token ?? (urlPassword || urlUser || undefined);
  const sshKey = c?.ssh_key;
  if (sshKey !== undefined && !/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(sshKey)) {
    throw new ValidationError('ssh_key must be a private key in PEM or OpenSSH form', 'git_credentials.ssh_key');
  }
  if (!username && !token && !sshKey) return undefined;
  return { ...(username ? { username } : {}), ...(token ? { token } : {}), ...(sshKey ? { sshKey } : {}) };
}
