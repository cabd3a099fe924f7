import type { BuildPlan, Buildpack, BuildpackSettings, ImageBuild, PlanRequest, Workspace } from '../plan';
import { PlanError } from '../plan';
import { argLines, assertImageRef, assertPlainPath, buildArgValues, runShell } from '../dockerfile-text';
import type { NodeInstall } from '../node-install';
import { detectNodeInstall, packageManagerDetails, packageManagerLine, pathEnvLine } from '../node-install';
import { normaliseRelativePath } from '../paths';
import { buildEnvLines } from '../log-text';
import { fillTemplate } from '../template';
import { renderNginxConf } from './nginx.conf';
import { NGINX_START_PATH, nginxStartScript } from './nginx-start.script';
import { staticBuildDockerfileTemplate, staticServeDockerfileTemplate } from './static.dockerfile';

/** Generated files are written into the build context under this folder. */
export const GENERATED_DOCKERFILE = '.berth/Dockerfile';
export const GENERATED_NGINX_CONF = '.berth/nginx.conf';
export const GENERATED_NGINX_START = '.berth/nginx-start.sh';
/** Output folder of the build command when `static.outputDir` is not set (Vite's default). */
export const DEFAULT_BUILD_OUTPUT = 'dist';

type StaticOptions = NonNullable<PlanRequest['static']>;

/**
 * Static sites served by nginx. With `static.buildCommand` the site is built in a Node stage
 * first (`static.installCommand`, or the lockfile's install command; an empty string skips the
 * install); without one, files of the repository are served as they are. `static.spa` (default
 * true) sends unknown paths to /index.html for client-side routers.
 */
export const staticBuildpack: Buildpack = (workspace, request, settings) => {
  const options = request.static ?? {};
  const buildCommand = options.buildCommand?.trim();
  return buildCommand ? planBuiltSite(workspace, request, settings, buildCommand) : planServedSite(workspace, request, settings);
};

function planBuiltSite(workspace: Workspace, request: PlanRequest, settings: BuildpackSettings, buildCommand: string): BuildPlan {
  const options: StaticOptions = request.static ?? {};
  const outputDir = normaliseRelativePath(options.outputDir ?? DEFAULT_BUILD_OUTPUT, 'static.outputDir');
  const tools = detectNodeInstall(workspace);
  const builderImage = builderImageFor(tools, settings);
  const install = options.installCommand ?? tools.install;
  const spa = options.spa ?? true;
  const withManifest = workspace.readFile('package.json') !== undefined;
  const dockerfile = fillTemplate(staticBuildDockerfileTemplate, {
    builderImage: assertImageRef(builderImage, tools.manager.name === 'bun' ? 'images.bun' : 'images.staticBuilder'),
    setup: [...pathEnvLine(tools.paths), ...tools.setup.map((cmd) => runShell(cmd, 'setup'))],
    serverImage: assertImageRef(settings.images.staticServer, 'images.staticServer'),
    buildArgs: argLines(request.env, 'env'),
    install: install ? [runShell(install, 'static.installCommand')] : [],
    build: [runShell(buildCommand, 'static.buildCommand')],
    ...startFields(),
    outputPath: outputDir === '' ? '/app/' : `/app/${assertPlainPath(outputDir, 'static.outputDir')}/`,
  });
  return {
    buildpack: 'static',
    summary: [
      `static: build in ${builderImage}, serve ${shown(outputDir)} with ${settings.images.staticServer}`,
      ...(withManifest ? [packageManagerLine(tools)] : []),
      ...tools.setup.map((cmd) => `setup: ${cmd}`),
      `install: ${install || '(none)'}`,
      `build: ${buildCommand}`,
      spaLine(spa),
      ...buildEnvLines(request.env),
    ],
    details: {
      mode: 'build',
      builderImage,
      serverImage: settings.images.staticServer,
      ...(withManifest ? { packageManager: tools.manager.name, ...packageManagerDetails(tools) } : {}),
      ...(tools.setup.length > 0 ? { setup: tools.setup } : {}),
      install: install || null,
      build: buildCommand,
      outputDir: shown(outputDir),
      spa,
      buildEnv: Object.keys(request.env).sort(),
    },
    images: [{ ...siteImage(request.imageTag, dockerfile, spa), buildArgs: buildArgValues(request.env, 'env') }],
  };
}

/** The Node image, or for a bun project the bun image: its lockfile is never installed with npm. */
function builderImageFor(tools: NodeInstall, settings: BuildpackSettings): string {
  if (tools.manager.name !== 'bun') return settings.images.staticBuilder;
  if (settings.images.bun === undefined || settings.images.bun === '') {
    throw new PlanError(
      `static: this is a bun project (${tools.manager.source}) and no bun image is configured: ` +
        'set [buildpacks] bun_image to an image with bun (e.g. "oven/bun:1") to build it there',
      'invalid_repository',
      'buildpacks.bun_image',
    );
  }
  return settings.images.bun;
}

function planServedSite(workspace: Workspace, request: PlanRequest, settings: BuildpackSettings): BuildPlan {
  const options: StaticOptions = request.static ?? {};
  const sourceDir = servedDirectory(workspace, options.outputDir);
  const spa = options.spa ?? true;
  const ignored = [...(options.installCommand !== undefined ? ['static.installCommand'] : []), ...(Object.keys(request.env).length > 0 ? ['env'] : [])];
  return {
    buildpack: 'static',
    summary: [
      `static: serve ${shown(sourceDir)} with ${settings.images.staticServer} (no build command)`,
      spaLine(spa),
      ...(ignored.length > 0 ? [`ignored without a build command: ${ignored.join(', ')}`] : []),
    ],
    details: { mode: 'serve', serverImage: settings.images.staticServer, outputDir: shown(sourceDir), spa },
    images: [staticServeImage({ tag: request.imageTag, sourceDir, serverImage: settings.images.staticServer, spa })],
  };
}

/**
 * Without a build command and without `static.outputDir`, `public/` is served when it holds an
 * index.html (the usual home of a prebuilt site), else the repository root. The folder must
 * exist: there is no build step that could create it.
 */
function servedDirectory(workspace: Workspace, outputDir: string | undefined): string {
  if (outputDir === undefined) return workspace.readFile('public/index.html') !== undefined ? 'public' : '';
  const dir = normaliseRelativePath(outputDir, 'static.outputDir');
  if (!workspace.exists(dir)) {
    throw new PlanError(`static.outputDir "${outputDir}" does not exist in the repository`, 'invalid_repository', 'static.outputDir');
  }
  return dir;
}

export interface StaticServeOptions {
  tag: string;
  /** Repository folder to serve ('' for the root). */
  sourceDir: string;
  serverImage: string;
  spa: boolean;
}

/** An nginx image serving a folder of the repository; the nixpacks static provider uses it too. */
export function staticServeImage(options: StaticServeOptions): ImageBuild {
  const dockerfile = fillTemplate(staticServeDockerfileTemplate, {
    serverImage: assertImageRef(options.serverImage, 'images.staticServer'),
    ...startFields(),
    sourcePath: options.sourceDir === '' ? '.' : `${assertPlainPath(options.sourceDir, 'static.outputDir')}/`,
  });
  return siteImage(options.tag, dockerfile, options.spa);
}

export interface StaticBuildOptions {
  tag: string;
  /** Image of the build stage, already checked with assertImageRef under the caller's field. */
  builderImage: string;
  serverImage: string;
  /** Lines that install tools before the source is copied in (the package manager), if any. */
  setup?: string[];
  /** ARG/ENV lines of the build stage (dockerfile-text.ts), and the build args' values. */
  buildArgs: string[];
  buildArgValues: Record<string, string>;
  /** RUN lines of the build stage. */
  install: string[];
  build: string[];
  /** Checked folder relative to the repository root ('' for the root) that the server serves. */
  outputDir: string;
  spa: boolean;
}

/**
 * A site built in a Node stage, its output shipped with nginx: the template `static.buildCommand`
 * uses, for the nixpacks front-end plan (nixpacks.buildpack.ts).
 */
export function staticBuildImage(options: StaticBuildOptions): ImageBuild {
  const dockerfile = fillTemplate(staticBuildDockerfileTemplate, {
    builderImage: options.builderImage,
    setup: options.setup ?? [],
    serverImage: assertImageRef(options.serverImage, 'images.staticServer'),
    buildArgs: options.buildArgs,
    install: options.install,
    build: options.build,
    ...startFields(),
    outputPath: options.outputDir === '' ? '/app/' : `/app/${options.outputDir}/`,
  });
  return { ...siteImage(options.tag, dockerfile, options.spa), buildArgs: options.buildArgValues };
}

/** Template values that install and run the entrypoint; `sh` runs it, so its file mode does not matter. */
function startFields(): Record<string, string> {
  return {
    nginxConf: GENERATED_NGINX_CONF,
    nginxStart: GENERATED_NGINX_START,
    nginxStartPath: NGINX_START_PATH,
    entrypoint: JSON.stringify(['sh', NGINX_START_PATH]),
  };
}

function siteImage(tag: string, dockerfile: string, spa: boolean): ImageBuild {
  return {
    tag,
    context: '',
    dockerfile: GENERATED_DOCKERFILE,
    files: { [GENERATED_DOCKERFILE]: dockerfile, [GENERATED_NGINX_CONF]: renderNginxConf({ spa }), [GENERATED_NGINX_START]: nginxStartScript },
    buildArgs: {},
  };
}

function shown(dir: string): string {
  return dir === '' ? './' : `${dir}/`;
}

function spaLine(spa: boolean): string {
  return spa ? 'spa fallback: on (unknown paths serve /index.html)' : 'spa fallback: off (unknown paths answer 404)';
}
