import type { PlanRequest } from '../../buildpacks/plan';
import { AppError } from '../errors';
import type { GitCredentials } from '../git/git.port';
import type { BuildSpec } from './build-spec';
import type { SecretBox } from './secret-box';

/**
 * What a build keeps sealed in its one secrets blob: the git credentials and the values of the
 * request's `env` and `dockerfile_config.build_args`. The stored spec keeps only those names
 * (each with an empty value), so the plan summary and the record stay as they were.
 */
export interface BuildSecrets {
  git?: GitCredentials;
  env?: Record<string, string>;
  buildArgs?: Record<string, string>;
}

/** The spec with its secret values emptied, and the values moved out (undefined when there are none). */
export function splitSecretValues(spec: BuildSpec): { spec: BuildSpec; values?: Pick<BuildSecrets, 'env' | 'buildArgs'> } {
  const { env, dockerfile } = spec.plan;
  const buildArgs = dockerfile?.buildArgs ?? {};
  if (Object.keys(env).length === 0 && Object.keys(buildArgs).length === 0) return { spec };
  const plan: PlanRequest = { ...spec.plan, env: namesOnly(env) };
  if (dockerfile) plan.dockerfile = { ...dockerfile, buildArgs: namesOnly(buildArgs) };
  return { spec: { ...spec, plan, sealedValues: true }, values: { env: { ...env }, buildArgs: { ...buildArgs } } };
}

export function sealBuildSecrets(box: SecretBox, buildId: string, secrets: BuildSecrets): string {
  return box.seal(buildId, JSON.stringify(secrets));
}

/** Opens a blob; one sealed before values were kept in it holds the git credentials alone. */
export function openBuildSecrets(box: SecretBox, buildId: string, sealed: string): BuildSecrets {
  const parsed = JSON.parse(box.open(buildId, sealed)) as BuildSecrets & GitCredentials;
  if ('username' in parsed || 'token' in parsed || 'sshKey' in parsed) {
    const { username, token, sshKey } = parsed;
    return { git: { ...(username ? { username } : {}), ...(token ? { token } : {}), ...(sshKey ? { sshKey } : {}) } };
  }
  return parsed;
}

/**
 * The spec as submitted: the sealed values put back under their names. A spec whose values were
 * sealed never goes on with empty ones: a missing blob or a missing value is `secrets_unreadable`.
 */
export function withSecretValues(spec: BuildSpec, secrets: BuildSecrets | undefined): BuildSpec {
  if (!spec.sealedValues) return spec;
  const { env, dockerfile } = spec.plan;
  const plan: PlanRequest = { ...spec.plan, env: restore(spec.id, env, secrets?.env, 'env') };
  if (dockerfile?.buildArgs) {
    plan.dockerfile = { ...dockerfile, buildArgs: restore(spec.id, dockerfile.buildArgs, secrets?.buildArgs, 'dockerfile_config.build_args') };
  }
  return { ...spec, plan };
}

function namesOnly(values: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.keys(values).map((name) => [name, '']));
}

function restore(id: string, names: Record<string, string>, values: Record<string, string> | undefined, field: string): Record<string, string> {
  const restored: Record<string, string> = {};
  for (const name of Object.keys(names)) {
    const value = values?.[name];
    if (typeof value !== 'string') {
      throw new AppError('secrets_unreadable', `the sealed value of ${field}.${name} of build ${id} is gone: its sealed secrets expired or were deleted`);
    }
    restored[name] = value;
  }
  return restored;
}
