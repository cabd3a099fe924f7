import type { BuildPlan, Buildpack } from '../plan';
import { PlanError } from '../plan';
import { normaliseRelativePath } from '../paths';

/** Default Dockerfile location, relative to the repository root (the build context). */
export const DEFAULT_DOCKERFILE = 'Dockerfile';

/**
 * Builds the repository's own Dockerfile with the repository root as context.
 *
 * The request's `env` is the build-time environment, and a Dockerfile only sees build-time values
 * through `ARG`, so it is passed as build args too; `dockerfile.buildArgs` wins on a clash because
 * it is the more specific setting. Arguments the Dockerfile does not declare are ignored by the
 * builder (with a warning in the log).
 */
export const dockerfileBuildpack: Buildpack = (workspace, request) => {
  const options = request.dockerfile ?? {};
  const dockerfile = normaliseRelativePath(options.dockerfilePath ?? DEFAULT_DOCKERFILE, 'dockerfile.dockerfilePath');
  if (dockerfile === '' || workspace.readFile(dockerfile) === undefined) {
    throw new PlanError(`No Dockerfile at "${dockerfile || '.'}" in the repository`, 'invalid_repository', 'dockerfile.dockerfilePath');
  }
  const buildArgs = { ...request.env, ...options.buildArgs };
  return {
    buildpack: 'dockerfile',
    summary: summaryLines(dockerfile, options.target, buildArgs),
    // Names only: build args often carry registry or package tokens.
    details: { dockerfile, target: options.target ?? null, buildArgs: Object.keys(buildArgs).sort() },
    images: [
      {
        tag: request.imageTag,
        context: '',
        dockerfile,
        files: {},
        buildArgs,
        ...(options.target !== undefined ? { target: options.target } : {}),
      },
    ],
  } satisfies BuildPlan;
};

function summaryLines(dockerfile: string, target: string | undefined, buildArgs: Record<string, string>): string[] {
  const names = Object.keys(buildArgs).sort();
  return [`dockerfile: ${dockerfile}${target !== undefined ? ` (target ${target})` : ''}`, `build args: ${names.length > 0 ? names.join(', ') : '(none)'}`];
}
