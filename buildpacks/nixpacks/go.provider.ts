import { shellWord } from '../dockerfile-text';
import type { Workspace } from '../plan';
import { PlanError } from '../plan';
import type { Provider } from './provider';
import { isFolder } from './staticfile.provider';

/**
 * Where the binary goes: `out`, as Nixpacks names it, so a Procfile written for Nixpacks
 * (`web: ./out`) runs it. A repository entry called `out` would swallow it, hence the fallback.
 */
const BINARY = '/app/out';
const FALLBACK_BINARY = '/app/.berth-out';
/** Names the package under cmd/ to build, as in Nixpacks. */
export const GO_BIN_VARIABLE = 'NIXPACKS_GO_BIN';

/**
 * Go, detected by go.mod or main.go as Nixpacks does. A module downloads its dependencies when it
 * has a go.sum (none means no dependencies, and `go mod download` would only warn). The package
 * built is Nixpacks' choice: NIXPACKS_GO_BIN's `./cmd/<name>`, else the module's root package when
 * .go files lie at the root, else the first `cmd/<name>`, else the module root, else main.go alone
 * (no go.mod: `go build main.go` builds that file with the standard library only). CGO_ENABLED=0
 * by default, as Nixpacks sets it: a static binary, needing no C compiler in the image.
 */
export const goProvider: Provider = {
  name: 'go',
  looksFor: 'go.mod or main.go (go)',
  detect: (workspace) => workspace.readFile('go.mod') !== undefined || workspace.readFile('main.go') !== undefined,
  plan(workspace, settings, variables) {
    const binary = workspace.exists('out') ? FALLBACK_BINARY : BINARY;
    const isModule = workspace.readFile('go.mod') !== undefined;
    const target = buildTarget(workspace, isModule, variables[GO_BIN_VARIABLE]);
    const facts: Record<string, string> = isModule ? {} : { module: 'no go.mod' };
    return {
      image: settings.images.go,
      install: isModule && workspace.exists('go.sum') ? ['go mod download'] : [],
      build: [`go build -o ${binary}${target === '' ? ' .' : ` ${target}`}`],
      start: binary,
      variables: { CGO_ENABLED: '0' },
      facts,
    };
  },
};

/** What `go build` builds: '' for the module root. */
function buildTarget(workspace: Workspace, isModule: boolean, goBin: string | undefined): string {
  if (goBin !== undefined && goBin.trim() !== '') {
    const name = goBin.trim();
    if (!/^[A-Za-z0-9_.-]+$/.test(name) || name.startsWith('.')) {
      throw new PlanError(`${GO_BIN_VARIABLE}: "${name}" is not a folder name under cmd/`, 'invalid_repository', GO_BIN_VARIABLE);
    }
    return shellWord(`./cmd/${name}`);
  }
  const rootGoFiles = workspace.list('').some((name) => name.endsWith('.go') && workspace.readFile(name) !== undefined);
  if (isModule && rootGoFiles) return '';
  const command = workspace.list('cmd').find((name) => isFolder(workspace, `cmd/${name}`) && /^[A-Za-z0-9_.-]+$/.test(name));
  if (command !== undefined) return `./cmd/${command}`;
  return isModule ? '' : 'main.go';
}
