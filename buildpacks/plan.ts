/**
 * What a buildpack produces: a plan the worker hands to the engine. Buildpacks are pure: they
 * read the checked-out repository through `Workspace` and never touch an engine or the network.
 */

/** Read-only view of the checked-out repository (paths are relative, `/`-separated). */
export interface Workspace {
  /** Contents of a file, or undefined when it does not exist or is not a regular file. */
  readFile(path: string): string | undefined;
  exists(path: string): boolean;
  /** Names of the entries of a directory ('' is the root), or [] when absent. */
  list(dir: string): string[];
}

/** One image to build with the engine's builder. */
export interface ImageBuild {
  /** Final image reference, e.g. `myapp:latest`. */
  tag: string;
  /** Build context, relative to the repository root ('' for the root). */
  context: string;
  /** Dockerfile path relative to the context. */
  dockerfile: string;
  /** Files to write into the context before building (generated Dockerfiles, configs). */
  files: Record<string, string>;
  buildArgs: Record<string, string>;
  /** Multi-stage target, if any. */
  target?: string;
  /** Compose service this image is for. */
  service?: string;
}

export interface BuildPlan {
  buildpack: 'nixpacks' | 'static' | 'dockerfile' | 'docker-compose' | 'recipe';
  /** Human-readable lines shown at the top of the build log. */
  summary: string[];
  /** Structured description stored with the build (e.g. the nixpacks plan). */
  details: Record<string, unknown>;
  images: ImageBuild[];
}

/** Thrown by planners when the repository cannot be built as asked. */
export class PlanError extends Error {
  constructor(
    message: string,
    /**
     * 'invalid_repository' (missing files, nothing detected), 'host_access' (compose policy) or
     * 'unsupported_dockerfile' (syntax the engine's builder cannot read).
     */
    readonly code: 'invalid_repository' | 'host_access' | 'unsupported_dockerfile' = 'invalid_repository',
    /** The compose key or request field at fault. */
    readonly field?: string,
  ) {
    super(message);
    this.name = 'PlanError';
  }
}

/** Operator settings the planners need (from the TOML config). */
export interface BuildpackSettings {
  images: {
    node: string;
    python: string;
    go: string;
    staticBuilder: string;
    staticServer: string;
    /** Image of bun projects (`[buildpacks] bun_image`); without it they are refused at plan time. */
    bun?: string;
  };
  /**
   * Node images per major beside `images.node` (see nixpacks/node-version.ts): `images` from
   * `[buildpacks] node_images`, `imageMajor` from node_image_major.
   */
  nodeImages?: { images: Record<string, string>; imageMajor?: number };
  /** Compose files may use host access (privileged, host network, bind mounts...). Default false. */
  allowComposeHostAccess: boolean;
}

/** The request options a planner reads; validated by the API before queueing. */
export interface PlanRequest {
  buildpackType: BuildPlan['buildpack'];
  imageTag: string;
  /** Build-time environment from the request's `env`. */
  env: Record<string, string>;
  nixpacks?: { startCommand?: string; buildCommand?: string; installCommand?: string; variables?: Record<string, string> };
  static?: { buildCommand?: string; installCommand?: string; outputDir?: string; spa?: boolean };
  dockerfile?: { dockerfilePath?: string; buildArgs?: Record<string, string>; target?: string };
  compose?: { composeFile?: string; service?: string };
  /** An image from a base image, packages and commands, with no repository (recipe/recipe.buildpack.ts). */
  recipe?: RecipeOptions;
}

/** A recipe as validated by the API (src/builds/recipe-request.ts); field names in errors are the API's. */
export interface RecipeOptions {
  baseImage: string;
  /** `apt-get update && apt-get -y upgrade` first. */
  update: boolean;
  /** Debian packages, `name` or `name=version`. */
  aptInstall: string[];
  /** pip requirements: `name`, `name[extra]`, with optional PEP 440 specifiers. */
  pipInstall: string[];
  /** Shell lines run in order in the build container, each its own step. */
  commands: string[];
}

/** A buildpack: a pure function from the checked-out repository and the request to a plan. */
export type Buildpack = (workspace: Workspace, request: PlanRequest, settings: BuildpackSettings) => BuildPlan;
