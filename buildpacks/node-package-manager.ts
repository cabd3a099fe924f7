import type { Workspace } from './plan';

/**
 * How a Node project installs its dependencies, read from its lockfile. Shared by the static
 * buildpack (build stage) and the nixpacks node provider.
 *
 * Lockfiles are checked in Nixpacks' order (pnpm, yarn, then npm) so that both buildpacks agree
 * when a repository holds more than one. yarn and pnpm run through corepack, which fetches them
 * from the npm registry on first use: the node base image has no global yarn or pnpm.
 */
export type PackageManager = 'npm' | 'yarn' | 'pnpm';

export interface NodeInstall {
  packageManager: PackageManager;
  /** Prefix that runs the package manager, e.g. `corepack pnpm`. */
  runner: string;
  /** Install command, or undefined when there is no package.json. */
  install: string | undefined;
}

export function detectNodeInstall(workspace: Workspace): NodeInstall {
  const hasPackageJson = workspace.readFile('package.json') !== undefined;
  if (workspace.exists('pnpm-lock.yaml')) {
    return { packageManager: 'pnpm', runner: 'corepack pnpm', install: 'corepack pnpm install --frozen-lockfile' };
  }
  if (workspace.exists('yarn.lock')) {
    // Yarn 2+ ("berry") lockfiles start with __metadata and refuse --frozen-lockfile.
    const berry = workspace.readFile('yarn.lock')?.includes('__metadata:') ?? false;
    const flag = berry ? '--immutable' : '--frozen-lockfile';
    return { packageManager: 'yarn', runner: 'corepack yarn', install: `corepack yarn install ${flag}` };
  }
  const locked = workspace.exists('package-lock.json') || workspace.exists('npm-shrinkwrap.json');
  const install = locked ? 'npm ci' : hasPackageJson ? 'npm install' : undefined;
  return { packageManager: 'npm', runner: 'npm', install };
}
