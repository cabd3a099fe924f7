import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import TOML from '@iarna/toml';
import type { BerthConfig } from '../../src/config/config.schema';
import { createLogger } from '../../src/logging/logger';
import { composeWorker, type BuildWorker } from '../../workers/worker.composition';

/** A build worker in this process, sharing the test API's config (same Redis prefix and engine). */
export async function startTestWorker(config: BerthConfig): Promise<BuildWorker> {
  const worker = composeWorker(config, createLogger(config.log, 'test-worker'));
  await worker.start();
  return worker;
}

/**
 * A build worker as its own process (`dist/workers/build.worker.js`, built by `npm run build`),
 * for tests that kill it. The config is written next to the API's data directory.
 */
export function spawnWorkerProcess(config: BerthConfig): ChildProcess & { output: () => string } {
  const file = join(config.server.data_dir, `worker-${Date.now()}.toml`);
  writeFileSync(file, TOML.stringify(config));
  const child = spawn(process.execPath, ['dist/workers/build.worker.js'], {
    env: { ...process.env, BERTH_CONFIG: file },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr?.on('data', (c: Buffer) => (output += c.toString()));
  return Object.assign(child, { output: () => output });
}
