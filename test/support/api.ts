import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { Redis } from 'ioredis';
import TOML from '@iarna/toml';
import { parseConfig } from '../../src/config/config.loader';
import type { BerthConfig } from '../../src/config/config.schema';
import { composeApi, type ApiParts } from '../../src/composition';
import { createLogger } from '../../src/logging/logger';
import { REDIS_URL, SOCKETS, currentEngine, type EngineName } from './engines';

/** Label every test container carries, so the suite can remove what it made whatever happens. */
export const TEST_LABEL = 'test.berth.suite';

export interface TestApi {
  url: string;
  token: string;
  engine: EngineName;
  socketPath: string;
  config: BerthConfig;
  /** A dockerode client on the same socket, to check what Berth did. */
  docker: Docker;
  /** A value unique to this API, for names and labels. */
  runId: string;
  auth(): { Authorization: string };
  close(): Promise<void>;
}

export type Overrides = Record<string, Record<string, unknown>>;

/**
 * Base images made on this machine by scripts/base-images.sh, under names of their own: tests
 * never depend on (or create) images under official names such as node:20-alpine. The language
 * images are Debian roots (glibc, apt, bash) like the official Debian-based node, python and
 * golang images, so native addons, venvs and Go's toolchain behave as they do for users.
 */
export const STAND_IN_IMAGES = {
  node_image: 'berth-test/debian-node:20',
  python_image: 'berth-test/debian-python:3.11',
  go_image: 'berth-test/debian-go:1.19',
  static_builder_image: 'berth-test/debian-node:20',
  static_server_image: 'berth-test/nginx:alpine',
};

/** The Node major of STAND_IN_IMAGES.node_image, whose name (not `node:…`) does not tell it. */
export const STAND_IN_NODE_MAJOR = 20;

/** Starts the real API on an ephemeral port against the current engine and real Redis; `parts` replace the ones it would build. */
export async function startTestApi(overrides: Overrides = {}, parts: ApiParts = {}): Promise<TestApi> {
  const engine = currentEngine();
  const runId = `t${randomBytes(4).toString('hex')}`;
  const token = randomBytes(24).toString('hex');
  const dataDir = mkdtempSync(join(tmpdir(), 'berth-test-'));
  const raw: Overrides = {
    server: { host: '127.0.0.1', port: 0, data_dir: dataDir, instance: runId },
    docker: { runtime: engine, socket_path: SOCKETS[engine], build_dir: join(dataDir, 'builds') },
    redis: { url: REDIS_URL, prefix: `berth-test:${runId}` },
    auth: { tokens: [token] },
    log: { level: 'error', format: 'json' },
    buildpacks: { ...STAND_IN_IMAGES, node_image_major: STAND_IN_NODE_MAJOR },
    // No HAProxy of the machine's (port 80): a test that wants one passes its own [proxy] ports and directories.
    proxy: { enabled: false },
  };
  // An array of tables (`[[nodes]]`) is taken whole.
  for (const [section, values] of Object.entries(overrides)) raw[section] = Array.isArray(values) ? values : { ...raw[section], ...values };
  const config = parseConfig(TOML.stringify(raw as TOML.JsonMap), 'test.toml');
  const api = composeApi(config, createLogger(config.log, 'test-api'), parts);
  await api.redisReady(5000); // as src/main.ts does before listening
  const server: Server = await new Promise((resolve) => {
    const s = api.app.listen(0, '127.0.0.1', () => resolve(s));
  });
  const { port } = server.address() as AddressInfo;
  const docker = new Docker({ socketPath: SOCKETS[engine] });
  return {
    url: `http://127.0.0.1:${port}`,
    token,
    engine,
    socketPath: SOCKETS[engine],
    config,
    docker,
    runId,
    auth: () => ({ Authorization: `Bearer ${token}` }),
    close: async () => {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
      await api.close();
      await removeLabelled(docker, `berth.instance=${runId}`);
      await removeLabelled(docker, `${TEST_LABEL}=${runId}`);
      await forgetContainerRecord(`${config.redis.prefix}:containers:${config.server.instance}`);
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Force-removes every container carrying `label` (key=value). */
export async function removeLabelled(docker: Docker, label: string): Promise<void> {
  const list = await docker.listContainers({ all: true, filters: JSON.stringify({ label: [label] }) });
  await Promise.all(
    list.map((c) =>
      docker
        .getContainer(c.Id)
        .remove({ force: true })
        .catch(() => undefined),
    ),
  );
}

/** Deletes the API's record of the containers it created (they are removed above). */
async function forgetContainerRecord(key: string): Promise<void> {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  try {
    await redis.del(key);
  } finally {
    redis.disconnect();
  }
}
