import type { Provider } from './provider';

/**
 * A plain static site (index.html at the root), served by nginx with the static buildpack's
 * configuration. It runs no phases, and unknown paths answer 404: a site without a package.json
 * is taken to be multi-page, not a client-side-routed app.
 */
export const staticfileProvider: Provider = {
  name: 'staticfile',
  looksFor: 'index.html (static site)',
  detect: (workspace) => workspace.readFile('index.html') !== undefined,
  plan: (_workspace, settings) => ({ image: settings.images.staticServer, install: [], build: [], facts: {}, serveDir: '' }),
};
