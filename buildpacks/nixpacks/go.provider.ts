import type { Provider } from './provider';

/** Where the binary goes; a repository folder called `server` would swallow it, hence the fallback. */
const BINARY = '/app/server';
const FALLBACK_BINARY = '/app/.berth-server';

/**
 * Go (go.mod): download modules when there is a go.sum (no go.sum means no dependencies),
 * build the main package at the root, run the binary.
 */
export const goProvider: Provider = {
  name: 'go',
  looksFor: 'go.mod (go)',
  detect: (workspace) => workspace.exists('go.mod'),
  plan(workspace, settings) {
    const binary = workspace.exists('server') ? FALLBACK_BINARY : BINARY;
    return {
      image: settings.images.go,
      install: workspace.exists('go.sum') ? ['go mod download'] : [],
      build: [`go build -o ${binary} .`],
      start: binary,
      facts: {},
    };
  },
};
