/**
 * Buildpacks: pure planners from a checked-out repository to the images to build.
 *
 * Each buildpack is one folder exporting a `Buildpack` function; `planBuild` picks one by the
 * request's `buildpackType`. Planners read the repository only through `Workspace`, touch no
 * engine, file system or network, and return a `BuildPlan`: the images to build (context,
 * Dockerfile, generated files to write under `.berth/`, build args), summary lines for the top
 * of the build log, and details stored with the build. The worker supplies an fs-backed
 * Workspace and runs the plan on the engine's legacy builder.
 *
 * - dockerfile/: the repository's own Dockerfile.
 * - static/: a site served by nginx, optionally built in a Node stage first.
 * - nixpacks/: language detection in the manner of Nixpacks.
 * - compose/: one image per compose service with a `build:` section, behind a host-access policy.
 * - recipe/: no repository: a base image, apt and pip packages and commands (an empty context).
 *
 * How nixpacks differs from the Nixpacks binary: Nixpacks installs each language and the
 * `[phases.setup]` packages with Nix, then writes its own Dockerfile. There is no Nix here and
 * nothing can be pulled, so Berth detects the same phases (install, build, start, with
 * nixpacks.toml / nixpacks.json, NIXPACKS_*_CMD variables and Procfile overrides) and writes a
 * plain Dockerfile on the language base images set in the server's TOML configuration
 * (`images.node`, `images.python`, `images.go`, `images.staticServer`). Language versions are
 * those of the images, except that a Node app's asked version picks among the Node images per
 * major (nixpacks/node-version.ts); `nixPkgs`/`aptPkgs` cannot be installed and are recorded in the plan
 * with a warning instead of being silently dropped.
 *
 * Generated Dockerfiles go through dockerfile-text.ts, which writes user text only as JSON
 * exec-form arrays or escaped ENV values and refuses line breaks, so no command, variable or
 * path can add instructions. The request's `env` is never written into them: it arrives as build
 * args for `ARG`s of a build stage, and the final stage starts afresh, so the image keeps none of it.
 */
import type { BuildPlan, Buildpack, BuildpackSettings, PlanRequest, Workspace } from './plan';
import { PlanError } from './plan';
import { composeBuildpack } from './compose/compose.buildpack';
import { dockerfileBuildpack } from './dockerfile/dockerfile.buildpack';
import { nixpacksBuildpack } from './nixpacks/nixpacks.buildpack';
import { recipeBuildpack } from './recipe/recipe.buildpack';
import { staticBuildpack } from './static/static.buildpack';

export * from './plan';

const BUILDPACKS: Record<BuildPlan['buildpack'], Buildpack> = {
  nixpacks: nixpacksBuildpack,
  static: staticBuildpack,
  dockerfile: dockerfileBuildpack,
  'docker-compose': composeBuildpack,
  recipe: recipeBuildpack,
};

/** Plans the build of a repository; throws `PlanError` when it cannot be built as asked. */
export function planBuild(workspace: Workspace, request: PlanRequest, settings: BuildpackSettings): BuildPlan {
  const buildpack = BUILDPACKS[request.buildpackType];
  // The API validates buildpackType; this guards callers that bypass it (e.g. old queued jobs).
  if (buildpack === undefined) {
    throw new PlanError(`Unknown buildpack type "${String(request.buildpackType)}"`, 'invalid_repository', 'buildpackType');
  }
  return buildpack(workspace, request, settings);
}
