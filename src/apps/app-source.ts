import { validateBuildRequest } from '../builds/build-request';
import { isValidImageReference } from '../builds/image-reference';
import { AppError, ValidationError } from '../errors';
import type { BuildRequest } from '../models/build.model';
import type { CreateAppRequest } from '../models/app.model';
import type { AppBuildSource, AppSecrets, AppSource } from './app.record';

/** The request fields that make a git source. */
export const GIT_FIELDS = [
  'git_repo',
  'git_branch',
  'git_credentials',
  'git_submodules',
  'buildpack_type',
  'base_directory',
  'no_cache',
  'network',
  'nixpacks_config',
  'static_config',
  'dockerfile_config',
] as const;

/** Stands in for the per-deploy fields while a source is checked exactly as a build request. */
const PLACEHOLDER = { id: 'app-source', image_tag: 'berth-app/source-check:1' };

export interface ValidatedSource {
  source: AppSource;
  credentials?: AppSecrets['credentials'];
}

/** Checks the source: either `image`, or a git repository with the fields builds take. */
export function validateSource(req: CreateAppRequest, buildEnv: Record<string, string>, allowFileUrls: boolean): ValidatedSource {
  const git = GIT_FIELDS.filter((f) => req[f] !== undefined);
  if (req.image !== undefined) {
    if (git.length > 0) throw new ValidationError(`an app builds from git_repo or runs image, not both (${git[0]} was given with image)`, git[0]);
    if (typeof req.image !== 'string' || !isValidImageReference(req.image)) {
      throw new ValidationError('image must be an image reference like "web:1.4" or "registry.example.com/team/web:1.4"', 'image');
    }
    if (Object.keys(buildEnv).length > 0) throw new ValidationError('build_env applies to apps built from git_repo', 'build_env');
    return { source: { type: 'image', image: req.image } };
  }
  if (req.git_repo === undefined) throw new ValidationError('an app needs a source: git_repo (with buildpack_type) or image', 'git_repo');
  return validateGitSource(req, buildEnv, allowFileUrls);
}

function validateGitSource(req: CreateAppRequest, buildEnv: Record<string, string>, allowFileUrls: boolean): ValidatedSource {
  if (req.buildpack_type === undefined) throw new ValidationError('buildpack_type is required with git_repo: nixpacks, static or dockerfile', 'buildpack_type');
  if (req.buildpack_type === 'compose' || req.buildpack_type === 'docker-compose') {
    throw new ValidationError(
      'compose files are not deployed as apps: an app runs one image. Use nixpacks, static or dockerfile, or make each service an app of its own',
      'buildpack_type',
    );
  }
  if (Object.keys(req.dockerfile_config?.build_args ?? {}).length > 0) {
    throw new ValidationError(
      'apps take build-time values in build_env (stored sealed, passed as build arguments), not dockerfile_config.build_args',
      'dockerfile_config.build_args',
    );
  }
  const given = req.git_credentials !== undefined ? { git_credentials: req.git_credentials } : {};
  const build = { ...pickGit(req), ...given, ...PLACEHOLDER, env: buildEnv } as BuildRequest;
  const { spec, secrets } = renamed(() => validateBuildRequest(build, { allowFileUrls, newId: () => PLACEHOLDER.id }));
  // Stored as the request fields a build takes, in their checked form (URL without credentials, normalised paths).
  const { base_directory: _given, ...fields } = pickGit(req);
  const stored: AppBuildSource = {
    ...fields,
    git_repo: spec.gitRepo,
    // validateBuildRequest never makes a recipe (those come from POST /images/recipes).
    buildpack_type: spec.plan.buildpackType as BuildRequest['buildpack_type'],
    ...(spec.baseDirectory !== '' ? { base_directory: spec.baseDirectory } : {}),
  };
  if (req.dockerfile_config) stored.dockerfile_config = withoutBuildArgs(req.dockerfile_config);
  const git = secrets?.git;
  const credentials = git
    ? { ...(git.username ? { username: git.username } : {}), ...(git.token ? { token: git.token } : {}), ...(git.sshKey ? { ssh_key: git.sshKey } : {}) }
    : undefined;
  return { source: { type: 'git', build: stored }, ...(credentials ? { credentials } : {}) };
}

/** The git fields of the request, credentials left out (they are sealed apart). */
function pickGit(req: CreateAppRequest): AppBuildSource {
  const picked: Record<string, unknown> = {};
  for (const f of GIT_FIELDS) if (f !== 'git_credentials' && req[f] !== undefined) picked[f] = req[f];
  return picked as unknown as AppBuildSource;
}

function withoutBuildArgs(config: NonNullable<BuildRequest['dockerfile_config']>): NonNullable<BuildRequest['dockerfile_config']> {
  const { build_args: _ignored, ...rest } = config;
  return rest;
}

/** A build's `env.X` is the app's `build_env.X`. */
function renamed<T>(check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (err instanceof AppError && err.field?.startsWith('env.')) throw new ValidationError(err.message, `build_env.${err.field.slice(4)}`);
    throw err;
  }
}
