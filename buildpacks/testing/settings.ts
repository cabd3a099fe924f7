import type { BuildpackSettings } from '../plan';

/** Settings as the example configuration sets them, for unit tests. */
export function testSettings(overrides: Partial<BuildpackSettings> = {}): BuildpackSettings {
  return {
    images: {
      node: 'node:20-alpine',
      python: 'python:3.11-slim',
      go: 'golang:1.22-alpine',
      staticBuilder: 'node:20-alpine',
      staticServer: 'nginx:alpine',
    },
    allowComposeHostAccess: false,
    ...overrides,
  };
}
