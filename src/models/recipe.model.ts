import type { BuildLogLine, BuildStatus } from './build.model';

/** Body of `POST /api/v1/images/recipes`: an image from a base image, packages and commands. */
export interface RecipeRequest {
  /** Build id: letters, digits, `.`, `_`, `-` (max 128). Generated when absent; resubmitting an id returns the existing build. */
  id?: string;
  /** Tag of the image to produce, e.g. `tools:1`. */
  name: string;
  /** Image to start from, e.g. `debian:bookworm`; must be present on the engine or pullable by it. */
  base_image: string;
  /** Run `apt-get update && apt-get -y upgrade` first. Default false. */
  update?: boolean;
  /** Debian packages, `name` or `name=version` (Debian's grammars), installed with apt-get without recommends. */
  apt_install?: string[];
  /** pip requirements: `name`, `name[extra]`, optional PEP 440 specifiers (`==1.2`, `>=1,<2`). No URLs, paths or options. */
  pip_install?: string[];
  /** Shell lines (`sh -c`), run in order in the build container, each its own step. */
  commands?: string[];
  /** Build without the engine's layer cache. Default false. */
  no_cache?: boolean;
  /** Network of the steps: `default` or `none`. Default `default`. */
  network?: string;
}

/**
 * A recipe build as a client polls it. `status` is the build's own; `state` folds it into
 * `queued`, `running` and `exited`, and `lines` is the build log so far.
 */
export interface RecipeView {
  id: string;
  status: BuildStatus;
  /** `queued` until a worker takes it, `running` while it builds, `exited` once it ended (any outcome: see `status`). */
  state: 'queued' | 'running' | 'exited';
  /** 0 when the image was built, 1 when the build failed or was cancelled; absent until `exited`. */
  exit_code?: number;
  name: string;
  base_image: string;
  image_id?: string;
  error?: { code: string; message: string };
  /** The generated Dockerfile, once planned. */
  dockerfile?: string;
  lines: BuildLogLine[];
  truncated: boolean;
  links: { build: string; logs: string; cancel: string };
}
