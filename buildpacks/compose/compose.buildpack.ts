import type { Buildpack, ImageBuild, PlanRequest } from '../plan';
import { PlanError } from '../plan';
import type { ComposeFile } from './compose-file';
import { readComposeFile } from './compose-file';
import type { ServiceBuild } from './compose-build';
import { assertBuildInsideRepository, readServiceBuild } from './compose-build';
import { assertNoHostAccess } from './compose-policy';

/**
 * Builds the images of a compose file: one per service with a `build:` section, or only
 * `compose.service` when it is set (tagged with the request's tag; the others get
 * `<imageTag>-<service>`). Services without `build:` use their own `image:` and are not built.
 * The contexts and Dockerfiles of services not built here must stay inside the repository too.
 *
 * As with the dockerfile buildpack, the request's env is passed to every build as build args;
 * a service's own `args` win on a clash. A compose file with nothing to build is refused: a build
 * that succeeded must have made an image.
 */
export const composeBuildpack: Buildpack = (workspace, request, settings) => {
  const compose = readComposeFile(workspace, request.compose?.composeFile);
  const names = servicesToBuild(compose, request.compose?.service);
  if (!settings.allowComposeHostAccess) assertNoHostAccess(workspace, compose, request.compose?.service);
  if (names.length === 0) {
    throw new PlanError(`${compose.path} has no service with a build section: nothing to build`, 'invalid_repository', 'compose.compose_file');
  }
  const builds = names.map((name) => ({ name, build: readServiceBuild(workspace, compose, name) }));
  const images = builds.map(({ name, build }) => imageFor(request, name, build));
  const notBuilt = Object.keys(compose.services).filter((name) => !names.includes(name));
  for (const name of notBuilt) assertBuildInsideRepository(compose, name);
  const ignored = builds.flatMap(({ build }) => build.ignored);
  return {
    buildpack: 'docker-compose',
    summary: [
      `compose: ${compose.path}, building ${names.join(', ')}`,
      ...builds.map(({ name, build }, index) => serviceLine(name, build, images[index]?.tag ?? '')),
      ...(notBuilt.length > 0 ? [`not built here: ${notBuilt.join(', ')}`] : []),
      ...(settings.allowComposeHostAccess ? ['host access: allowed by the server settings'] : []),
      ...(ignored.length > 0 ? [`ignored: ${ignored.join(', ')}`] : []),
    ],
    details: {
      composeFile: compose.path,
      services: Object.fromEntries(builds.map(({ name, build }, index) => [name, serviceDetails(build, images[index])])),
      notBuilt,
      hostAccessAllowed: settings.allowComposeHostAccess,
      ignored,
    },
    images,
  };
};

/** `compose.service` alone when set (it must have a build section); else every service that has one. */
function servicesToBuild(compose: ComposeFile, wanted: string | undefined): string[] {
  const hasBuild = (name: string): boolean => compose.services[name]?.build != null;
  if (wanted === undefined) return Object.keys(compose.services).filter(hasBuild);
  const service = compose.services[wanted];
  if (service === undefined) {
    throw new PlanError(`${compose.path} has no service "${wanted}"`, 'invalid_repository', 'compose.service');
  }
  if (!hasBuild(wanted)) {
    throw new PlanError(`Service "${wanted}" in ${compose.path} has no build section`, 'invalid_repository', 'compose.service');
  }
  return [wanted];
}

/** Longest tag an engine accepts: `<tag>-<service>` must fit, or the build fails only at the engine. */
const MAX_TAG_LENGTH = 128;

function imageFor(request: PlanRequest, name: string, build: ServiceBuild): ImageBuild {
  const tag = name === request.compose?.service ? request.imageTag : `${request.imageTag}-${name}`;
  const lastPart = tag.slice(tag.lastIndexOf('/') + 1);
  if (lastPart.includes(':') && lastPart.length - lastPart.indexOf(':') - 1 > MAX_TAG_LENGTH) {
    throw new PlanError(
      `Service "${name}" makes the image tag ${tag} longer than ${MAX_TAG_LENGTH} characters; build it alone with compose.service`,
      'invalid_repository',
      `services.${name}`,
    );
  }
  return {
    tag,
    context: build.context,
    dockerfile: build.dockerfile,
    files: {},
    buildArgs: { ...request.env, ...build.args },
    ...(build.target !== undefined ? { target: build.target } : {}),
    service: name,
  };
}

function serviceLine(name: string, build: ServiceBuild, tag: string): string {
  const target = build.target !== undefined ? ` (target ${build.target})` : '';
  return `${name}: ${build.dockerfile} in ${build.context === '' ? './' : `${build.context}/`}${target} -> ${tag}`;
}

/** Build arg names only, as in the dockerfile buildpack: values may be tokens. */
function serviceDetails(build: ServiceBuild, image: ImageBuild | undefined): Record<string, unknown> {
  return {
    tag: image?.tag,
    context: build.context,
    dockerfile: build.dockerfile,
    target: build.target ?? null,
    buildArgs: Object.keys(image?.buildArgs ?? {}).sort(),
  };
}
