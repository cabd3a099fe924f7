import type { BuildpackSettings, Workspace } from '../plan';
import type { FrontEndSite } from './node-spa';

/** What a provider found in the repository, before nixpacks.toml and request overrides. */
export interface DetectedPlan {
  /** Base image the generated Dockerfile starts from. */
  image: string;
  /**
   * Shell commands that install tools (e.g. pnpm) into the build stage before the source is
   * copied in, so that a source change does not run them again (Nixpacks' setup phase).
   */
  setup?: string[];
  /** Folders put first on PATH in both stages, e.g. where `setup` installed the tools. */
  paths?: string[];
  install: string[];
  build: string[];
  /** Start command found by the provider, if any (a Procfile `web:` line comes before it). */
  start?: string;
  /**
   * Folders outside /app that the install and build commands fill and the app needs at run time
   * (absolute). The image keeps /app and these from the build stage; anything else is left behind.
   */
  runtimePaths?: string[];
  /**
   * A virtualenv among runtimePaths that the detected install phase creates: put first on PATH,
   * and kept only while the install or build commands still name it (an install command of the
   * user's may not create it).
   */
  venv?: string;
  /** Programs the plan installs into the image for run time beyond the base image's (e.g. `pnpm`). */
  runtimeTools?: string[];
  /**
   * Variables the provider sets by default, as Nixpacks' provider does (Node: NODE_ENV and
   * friends): ENV while building and at run time, below every variable the user sets.
   */
  variables?: Record<string, string>;
  /** Extra facts for the plan details and summary, e.g. `{ packageManager: 'npm' }`. */
  facts: Record<string, string>;
  /** Extra summary lines (e.g. the Node version) and plan details. */
  summary?: string[];
  details?: Record<string, unknown>;
  /**
   * Static sites are served by nginx from this folder ('' for the root) instead of running
   * install/build/start phases.
   */
  serveDir?: string;
  /**
   * A front-end app: install and build run on `image`, then the static server serves the
   * build's output folder, unless a start command is set by the user (nixpacks-config, Procfile).
   */
  site?: FrontEndSite;
  /** Folder of the app a monorepo runs, for the start check ('' or absent for the root). */
  appDir?: string;
  /** Said instead of the generic error when no start command results, naming what to set. */
  missingStart?: { message: string; field: string };
}

/** One language, detected from marker files as Nixpacks providers are. */
export interface Provider {
  name: string;
  /** The marker files, for the error listing what was looked for. */
  looksFor: string;
  detect(workspace: Workspace): boolean;
  /** `variables`: the config file's, the request's `env` and `nixpacks.variables`, merged. */
  plan(workspace: Workspace, settings: BuildpackSettings, variables: Record<string, string>): DetectedPlan;
}
