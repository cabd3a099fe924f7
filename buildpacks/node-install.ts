import type { Workspace } from './plan';
import { assertPlainPath } from './dockerfile-text';
import type { PackageManagerChoice } from './node-package-manager';
import { choosePackageManager } from './node-package-manager';

/**
 * How a Node project's package manager gets into the image and installs the dependencies.
 *
 * pnpm and yarn are installed with the image's npm from the npm registry (Corepack, which
 * Nixpacks uses, refuses to download where the registry's signatures are not served), into their
 * own prefix. The generated Dockerfiles run this before copying the source, so a source change
 * does not reinstall it, and the final image keeps the prefix, so the start command may run the
 * tool. npm is the image's own; bun comes with the bun image.
 *
 * Install commands differ from Nixpacks' (`get_install_command`) where it would let the lockfile
 * drift: berry runs `--immutable` (Nixpacks: `--check-cache`), bun `--frozen-lockfile` (Nixpacks:
 * `bun i --no-save`). Without a lockfile pnpm and berry are told they may write one, which CI=true
 * (a Node default variable) would otherwise forbid.
 */
export const TOOLS_PREFIX = '/opt/berth-tools';
export const TOOLS_BIN = `${TOOLS_PREFIX}/bin`;
/** The npm package that ships yarn 2+'s command line (bin `yarn`), published for 2.4.1 onwards. */
const BERRY_PACKAGE = '@yarnpkg/cli-dist';

export interface NodeInstall {
  manager: PackageManagerChoice;
  /** Shell commands that install the tool; run before the source is copied. */
  setup: string[];
  /** npm package spec the setup installs, e.g. `pnpm@9`. */
  installs?: string;
  /** Folders put first on PATH while building and at run time. */
  paths: string[];
  /** Folders outside /app the final image keeps. */
  runtimePaths: string[];
  /** Programs the image has at run time beyond node, npm and npx. */
  runtimeTools: string[];
  /** Runs the package manager's scripts, e.g. `pnpm` in `pnpm run build`. */
  runner: string;
  /** Install command, or undefined when there is no package.json. */
  install: string | undefined;
  /** Variables the install relies on, at build and at run time. */
  variables: Record<string, string>;
}

export function detectNodeInstall(workspace: Workspace): NodeInstall {
  const manifest = readManifest(workspace);
  const manager = choosePackageManager(workspace, manifest?.packageManager);
  const hasManifest = manifest !== undefined;
  const locked = manager.lockfile !== undefined;
  // Nothing to install the tool for without a package.json (a static site built by a script).
  const installs = hasManifest ? toolPackage(manager) : undefined;
  const tools = installs !== undefined ? toolsFor(installs) : { setup: [], paths: [], runtimePaths: [] };
  const base = { manager, ...tools, runner: manager.name, variables: {} };
  switch (manager.name) {
    case 'pnpm':
      return { ...base, runtimeTools: ['pnpm', 'pnpx'], install: hasManifest ? `pnpm install ${locked ? '--frozen-lockfile' : '--no-frozen-lockfile'}` : undefined };
    case 'yarn':
      return { ...base, ...yarnInstall(manager, locked, hasManifest) };
    case 'bun':
      return { ...base, runtimeTools: ['bun', 'bunx'], install: hasManifest ? `bun install${locked ? ' --frozen-lockfile' : ''}` : undefined };
    default:
      return { ...base, runtimeTools: [], install: locked ? 'npm ci' : hasManifest ? 'npm install' : undefined };
  }
}

function yarnInstall(manager: PackageManagerChoice, locked: boolean, hasManifest: boolean): Pick<NodeInstall, 'runtimeTools' | 'install' | 'variables'> {
  const runtimeTools = ['yarn', 'yarnpkg'];
  if (manager.flavour === 'classic') return { runtimeTools, install: hasManifest ? `yarn install${locked ? ' --frozen-lockfile' : ''}` : undefined, variables: {} };
  // Berry keeps its package archives in a cache under $HOME by default, and Plug'n'Play loads the
  // packages from there at run time; the final image keeps only /app, so the cache goes in
  // /app/.yarn/cache. CI=true would make berry refuse to create a missing lockfile: say so.
  return {
    runtimeTools,
    install: hasManifest ? `yarn install ${locked ? '--immutable' : '--no-immutable'}` : undefined,
    variables: { YARN_ENABLE_GLOBAL_CACHE: 'false' },
  };
}

/** The npm package spec to install, or undefined when the image provides the tool. */
function toolPackage(manager: PackageManagerChoice): string | undefined {
  if (manager.name === 'pnpm') return `pnpm@${manager.version ?? '9'}`;
  if (manager.name !== 'yarn') return undefined;
  // A committed release runs through yarn 1, which hands every command over to it.
  if (manager.yarnPath !== undefined || manager.flavour === 'classic') return `yarn@${manager.yarnPath === undefined ? (manager.version ?? '1') : '1'}`;
  return `${BERRY_PACKAGE}@${manager.version ?? '4'}`;
}

function toolsFor(spec: string): Pick<NodeInstall, 'setup' | 'installs' | 'paths' | 'runtimePaths'> {
  return {
    setup: [`npm install --global --prefix ${TOOLS_PREFIX} --no-audit --no-fund ${spec}`],
    installs: spec,
    paths: [TOOLS_BIN],
    runtimePaths: [TOOLS_PREFIX],
  };
}

/** The plan line, e.g. `package manager: pnpm 9 (pnpm-lock.yaml lockfileVersion '9.0'), installed from the npm registry as pnpm@9`. */
export function packageManagerLine(install: NodeInstall): string {
  const { manager } = install;
  const name = [manager.name, manager.version, manager.flavour === 'berry' ? 'berry' : undefined].filter((part) => part !== undefined).join(' ');
  const how =
    manager.yarnPath !== undefined
      ? `run by ${install.installs ?? 'yarn@1'} from the npm registry`
      : install.installs !== undefined
        ? `installed from the npm registry as ${install.installs}`
        : manager.name === 'bun'
          ? "the bun image's"
          : "the image's";
  return `package manager: ${name} (${manager.source}), ${how}`;
}

/** Plan details: what runs, which version, and why. */
export function packageManagerDetails(install: NodeInstall): Record<string, unknown> {
  const { manager } = install;
  return {
    packageManagerVersion: manager.version ?? null,
    packageManagerSource: manager.source,
    ...(manager.flavour !== undefined ? { yarnFlavour: manager.flavour } : {}),
    packageManagerInstall: install.installs ?? null,
  };
}

function readManifest(workspace: Workspace): { packageManager?: unknown } | undefined {
  const text = workspace.readFile('package.json');
  if (text === undefined) return undefined;
  try {
    const parsed: unknown = JSON.parse(text);
    return parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) ? parsed : {};
  } catch {
    // The node provider reports an unreadable package.json; the static buildpack installs as npm.
    return {};
  }
}

/** `ENV PATH=<folders>:$PATH`: the builder expands `$PATH` to the base image's. Plain paths only. */
export function pathEnvLine(paths: readonly string[]): string[] {
  return paths.length > 0 ? [`ENV PATH=${paths.map((path) => assertPlainPath(path, 'paths')).join(':')}:$PATH`] : [];
}
