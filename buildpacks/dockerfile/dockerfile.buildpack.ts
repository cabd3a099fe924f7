import type { BuildPlan, Buildpack } from '../plan';
import { PlanError } from '../plan';
import { normaliseRelativePath } from '../paths';
import { findHeredoc } from './heredoc';

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
  const text = dockerfile === '' ? undefined : workspace.readFile(dockerfile);
  if (text === undefined) {
    throw new PlanError(`No Dockerfile at "${dockerfile || '.'}" in the repository`, 'invalid_repository', 'dockerfile.dockerfilePath');
  }
  refuseHeredoc(dockerfile, text);
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

/** Both engines' builders would fail on a heredoc with "unknown instruction"; this says why and what to do. */
function refuseHeredoc(dockerfile: string, text: string): void {
  const heredoc = findHeredoc(text);
  if (!heredoc) return;
  throw new PlanError(
    `${dockerfile} line ${heredoc.line} uses a heredoc ("${heredoc.text.slice(0, 80)}"), which the engine's builder does not support (only BuildKit does): ` +
      'put the script or file in the repository and COPY it, or write the commands on RUN lines joined with && (printf to write a file)',
    'unsupported_dockerfile',
  );
}

function summaryLines(dockerfile: string, target: string | undefined, buildArgs: Record<string, string>): string[] {
  const names = Object.keys(buildArgs).sort();
  return [`dockerfile: ${dockerfile}${target !== undefined ? ` (target ${target})` : ''}`, `build args: ${names.length > 0 ? names.join(', ') : '(none)'}`];
}
