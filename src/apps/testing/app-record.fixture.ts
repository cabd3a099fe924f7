import { DEFAULT_HEALTH_CHECK } from '../../deploys/release-spec';
import type { AppRecord, AppRuntimeConfig } from '../app.record';

/** The runtime config of an app created with defaults (as `validateCreateApp` fills it in), secrets version 1. */
export function runtimeConfig(change: Partial<AppRuntimeConfig> = {}): AppRuntimeConfig {
  return {
    replicas: 1,
    volumes: {},
    healthCheck: { ...DEFAULT_HEALTH_CHECK },
    strategy: 'start-first',
    drainSeconds: 30,
    envNames: [],
    secretsVersion: 1,
    ...change,
  };
}

/** An app record as the app service stores it: an image app with the default config, no domains, version 1. */
export function appRecord(name: string, change: Partial<AppRecord> = {}): AppRecord {
  return {
    name,
    source: { type: 'image', image: `registry.example.test/${name}:1` },
    config: runtimeConfig(),
    domains: [],
    buildEnvNames: [],
    hasCredentials: false,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...change,
  };
}
