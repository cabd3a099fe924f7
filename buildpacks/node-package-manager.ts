import type { Workspace } from './plan';
import { PlanError } from './plan';

/**
 * Which package manager a Node project uses and which version, read as Nixpacks reads it
 * (src/providers/node/mod.rs `get_package_manager`): package.json `packageManager` first (npm,
 * pnpm, yarn or bun; any other name is ignored), then the lockfiles in the order pnpm-lock.yaml,
 * yarn.lock, bun.lockb / bun.lock, else npm. Shared by the nixpacks node provider and the static
 * buildpack so that both agree. How the tool gets into the image: node-package-manager.install.ts.
 *
 * Where Berth differs from Nixpacks:
 * - Nixpacks runs a `packageManager` version through Corepack, which fails where only the npm
 *   registry is reachable (package signatures); Berth installs that exact version from the npm
 *   registry instead.
 * - Nixpacks installs yarn 1 for every yarn project and leaves yarn 2+ ("berry") to a committed
 *   `yarnPath` release or Corepack. Berth runs a committed `yarnPath` release the same way (yarn 1
 *   hands over to it), and otherwise installs the berry version `packageManager` names, or the
 *   major the lockfile's `__metadata.version` was written by.
 * - Nixpacks treats any project with a .yarnrc.yml as berry; Berth does too, unless its yarn.lock
 *   is a yarn 1 lockfile.
 */
export type PackageManagerName = 'npm' | 'yarn' | 'pnpm' | 'bun';

export interface PackageManagerChoice {
  name: PackageManagerName;
  /** yarn only: 1.x is `classic`, 2+ is `berry`. */
  flavour?: 'classic' | 'berry';
  /** Version to run: exact (`8.15.1`) from `packageManager`, a major (`9`) otherwise; undefined: the image's own. */
  version?: string;
  /** Where the choice came from, for the plan: e.g. `pnpm-lock.yaml lockfileVersion '9.0'`. */
  source: string;
  /** The lockfile the install must follow, when there is one. */
  lockfile?: string;
  /** yarn berry: the committed release `.yarnrc.yml` names in `yarnPath`. */
  yarnPath?: string;
}

/** `packageManager` as Corepack reads it: name@exact-version, optionally +hash. */
const PACKAGE_MANAGER_FIELD = /^(npm|pnpm|yarn|bun)(?:@(.*))?$/;
const EXACT_VERSION = /^(\d{1,4})\.\d{1,4}\.\d{1,4}(?:-[0-9A-Za-z.-]{1,64})?$/;
const FIELD = 'package.json packageManager';

export function choosePackageManager(workspace: Workspace, packageManagerField: unknown): PackageManagerChoice {
  const asked = askedPackageManager(packageManagerField);
  const name = asked?.name ?? lockfileManager(workspace);
  if (name === 'pnpm') return pnpmChoice(workspace, asked?.version);
  if (name === 'yarn') return yarnChoice(workspace, asked?.version);
  if (name === 'bun') {
    const lockfile = ['bun.lock', 'bun.lockb'].find((file) => workspace.exists(file));
    // The bun image's bun runs: a version asked is only reported, in the source.
    return { name, source: asked?.source ?? lockfile ?? 'no lockfile', ...(lockfile ? { lockfile } : {}) };
  }
  const lockfile = ['package-lock.json', 'npm-shrinkwrap.json'].find((file) => workspace.exists(file));
  // As Nixpacks does for `npm@...`, the image's npm runs: the asked version is only reported.
  const source = asked?.source ?? lockfile ?? 'no lockfile';
  return { name: 'npm', source, ...(lockfile ? { lockfile } : {}) };
}

interface AskedManager {
  name: PackageManagerName;
  version: string;
  source: string;
}

/** The name and exact version package.json asks for; a name Nixpacks does not know is ignored. */
function askedPackageManager(field: unknown): AskedManager | undefined {
  if (typeof field !== 'string') return undefined;
  const match = PACKAGE_MANAGER_FIELD.exec(field.trim());
  if (match === null) return undefined;
  const name = match[1] as PackageManagerName;
  // Corepack's integrity suffix (`+sha512.<hex>`) is dropped: npm checks what it downloads itself.
  const version = (match[2] ?? '').split('+')[0] ?? '';
  if (!EXACT_VERSION.test(version)) {
    throw new PlanError(
      `${FIELD} "${field.slice(0, 80)}" must name an exact version, as Corepack requires (e.g. "${name}@${EXAMPLES[name]}")`,
      'invalid_repository',
      FIELD,
    );
  }
  return { name, version, source: `${FIELD} "${name}@${version}"` };
}

const EXAMPLES: Record<PackageManagerName, string> = { npm: '10.8.2', pnpm: '9.15.0', yarn: '4.5.3', bun: '1.1.38' };

function lockfileManager(workspace: Workspace): PackageManagerName {
  if (workspace.exists('pnpm-lock.yaml')) return 'pnpm';
  if (workspace.exists('yarn.lock')) return 'yarn';
  if (workspace.exists('bun.lockb') || workspace.exists('bun.lock')) return 'bun';
  return 'npm';
}

/**
 * pnpm's major from the lockfile, as Nixpacks maps it: 5.3 is pnpm 6, 5.4 pnpm 7, 6.x pnpm 8,
 * anything else (9.0, no lockfile) pnpm 9. Nixpacks reads the quoted form pnpm writes; Berth
 * accepts the value quoted or not.
 */
export function pnpmMajorFromLockfile(lockfile: string | undefined): { major: string; lockfileVersion?: string } {
  const value = /^lockfileVersion:\s*['"]?([0-9.]+)['"]?\s*$/m.exec(lockfile ?? '')?.[1];
  const major = value === undefined ? '9' : value.startsWith('5.3') ? '6' : value.startsWith('5.4') ? '7' : value.startsWith('6.') ? '8' : '9';
  return { major, ...(value !== undefined ? { lockfileVersion: value } : {}) };
}

/**
 * A lockfile's text for reading its format. The workspace reads files of at most 1 MiB; a larger
 * lockfile is still followed by the install, but its format is not read: `unread` says so.
 */
function lockfileText(workspace: Workspace, path: string): { present: boolean; text?: string; unread: string } {
  const present = workspace.exists(path);
  const text = present ? workspace.readFile(path) : undefined;
  const unread = present && text === undefined ? `${path} (too large to read its format)` : present ? path : 'no lockfile';
  return { present, ...(text !== undefined ? { text } : {}), unread };
}

function pnpmChoice(workspace: Workspace, asked: string | undefined): PackageManagerChoice {
  const { present, text, unread } = lockfileText(workspace, 'pnpm-lock.yaml');
  const lockfile = present ? { lockfile: 'pnpm-lock.yaml' } : {};
  if (asked !== undefined) return { name: 'pnpm', version: asked, source: `${FIELD} "pnpm@${asked}"`, ...lockfile };
  const { major, lockfileVersion } = pnpmMajorFromLockfile(text);
  const source = lockfileVersion !== undefined ? `pnpm-lock.yaml lockfileVersion '${lockfileVersion}'` : unread;
  return { name: 'pnpm', version: major, source, ...lockfile };
}

function yarnChoice(workspace: Workspace, asked: string | undefined): PackageManagerChoice {
  const { present, text, unread } = lockfileText(workspace, 'yarn.lock');
  const lockfile = present ? { lockfile: 'yarn.lock' } : {};
  const yarnPath = committedYarnPath(workspace);
  if (yarnPath !== undefined) {
    const version = /yarn-(\d+\.\d+\.\d+[^/]*?)\.c?js$/.exec(yarnPath)?.[1];
    return { name: 'yarn', flavour: 'berry', ...(version ? { version } : {}), source: `.yarnrc.yml yarnPath ${yarnPath}`, yarnPath, ...lockfile };
  }
  if (asked !== undefined) {
    const flavour = asked.startsWith('1.') ? 'classic' : 'berry';
    return { name: 'yarn', flavour, version: asked, source: `${FIELD} "yarn@${asked}"`, ...lockfile };
  }
  const berryLock = /^__metadata:\s*\n\s+version:\s*(\d+)/m.exec(text ?? '');
  if (berryLock !== null) {
    return { name: 'yarn', flavour: 'berry', version: berryMajor(Number(berryLock[1])), source: `yarn.lock __metadata.version ${berryLock[1]}`, ...lockfile };
  }
  const classicLock = /^# yarn lockfile v1/m.test(text ?? '');
  if (!classicLock && workspace.exists('.yarnrc.yml')) return { name: 'yarn', flavour: 'berry', version: '4', source: '.yarnrc.yml', ...lockfile };
  return { name: 'yarn', flavour: 'classic', version: '1', source: unread, ...lockfile };
}

/** Lockfile format versions each berry major writes: 4 by yarn 2, 5 and 6 by yarn 3, 7+ by yarn 4. */
function berryMajor(metadataVersion: number): string {
  if (metadataVersion >= 7) return '4';
  return metadataVersion >= 5 ? '3' : '2';
}

/** `yarnPath` of .yarnrc.yml: a release committed in the repository, which yarn 1 hands over to. */
function committedYarnPath(workspace: Workspace): string | undefined {
  const rc = workspace.readFile('.yarnrc.yml');
  const raw = rc !== undefined ? /^yarnPath:\s*(.+?)\s*$/m.exec(rc)?.[1] : undefined;
  if (raw === undefined) return undefined;
  const path = raw.replace(/^(['"])(.*)\1$/, '$2').replace(/^\.\/+/, '');
  // exists, not readFile: a release (about 3 MB) is over the size the workspace reads.
  if (path.split('/').includes('..') || path.startsWith('/') || !workspace.exists(path) || workspace.list(path).length > 0) {
    throw new PlanError(
      `.yarnrc.yml yarnPath "${raw.slice(0, 120)}" is not a file in the repository: commit the yarn release it names, or remove yarnPath`,
      'invalid_repository',
      '.yarnrc.yml yarnPath',
    );
  }
  return path;
}
