import { ValidationError } from '../errors';
import type { CreateAppRequest } from '../models/app.model';
import { validateAppPatch, validateCreateApp, type AppRequestOptions } from './app-request';
import type { AppSecrets } from './app.record';
import { appRecord, runtimeConfig } from './testing/app-record.fixture';

/** `edge` can run apps (it has an address); `builder` cannot. */
const options: AppRequestOptions = {
  allowFileUrls: false,
  baseDomain: '',
  drainSeconds: 30,
  nodes: new Map([
    ['edge', true],
    ['builder', false],
  ]),
};
const image: CreateAppRequest = { name: 'web', image: 'berth-test/nginx:alpine' };
const secrets: AppSecrets = { env: {}, buildEnv: {}, webhookSecret: 'whsec' };

function errorOf(fn: () => unknown): ValidationError {
  try {
    fn();
  } catch (err) {
    if (err instanceof ValidationError) return err;
    throw err;
  }
  throw new Error('no ValidationError was thrown');
}

describe('app node', () => {
  it('keeps a configured node in the config, and leaves local (the default) out', () => {
    expect(validateCreateApp({ ...image, node: 'edge' }, options).config.node).toBe('edge');
    expect(validateCreateApp({ ...image, node: 'local' }, options).config).not.toHaveProperty('node');
    expect(validateCreateApp(image, options).config).not.toHaveProperty('node');
  });

  it('refuses an unknown node, naming the configured ones', () => {
    const err = errorOf(() => validateCreateApp({ ...image, node: 'nowhere' }, options));
    expect(err.field).toBe('node');
    expect(err.message).toBe('node must be "local" or a configured node (local, edge, builder)');
    expect(errorOf(() => validateCreateApp({ ...image, node: 7 as unknown as string }, options)).field).toBe('node');
    expect(errorOf(() => validateCreateApp({ ...image, node: 'edge' }, { ...options, nodes: undefined })).field).toBe('node');
  });

  it('refuses a node without an address the proxy can reach', () => {
    const err = errorOf(() => validateCreateApp({ ...image, node: 'builder' }, options));
    expect(err.field).toBe('node');
    expect(err.message).toMatch(/node builder has no IPv4 address .* set its \[\[nodes\]\] address/);
  });

  it('keeps the node across a PATCH that does not name one, and moves it back to local on request', () => {
    const current = appRecord('web', { config: runtimeConfig({ node: 'edge' }) });
    expect(validateAppPatch(current, secrets, { replicas: 2 }, options).config.node).toBe('edge');
    expect(validateAppPatch(current, secrets, { node: 'local' }, options).config).not.toHaveProperty('node');
    expect(errorOf(() => validateAppPatch(current, secrets, { node: 'nowhere' }, options)).field).toBe('node');
  });
});
