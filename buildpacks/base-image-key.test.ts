import { baseImageKey } from './base-image-key';
import type { BuildpackSettings } from './plan';

const settings: BuildpackSettings = {
  images: { node: 'node:{major}-slim', python: 'python:3.11-slim', go: 'golang:1.22', staticBuilder: 'node:20-alpine', staticServer: 'nginx:alpine' },
  nodeImages: { images: { '22': 'mirror/node:22' } },
  allowComposeHostAccess: false,
};

describe('baseImageKey', () => {
  it.each([
    ['mirror/node:22', 'node_images."22"'],
    ['node:18-slim', 'node_image'],
    ['python:3.11-slim', 'python_image'],
    ['golang:1.22', 'go_image'],
    ['node:20-alpine', 'static_builder_image'],
    ['nginx:alpine', 'static_server_image'],
  ])('finds the key that set %s', (image, key) => {
    expect(baseImageKey(settings, image)).toBe(key);
  });

  it.each(['node:-slim', 'node:x-slim', 'debian:12'])('finds no key for %s', (image) => {
    expect(baseImageKey(settings, image)).toBeUndefined();
  });
});
