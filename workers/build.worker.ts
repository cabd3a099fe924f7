import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../src/config/config.loader';
import { checkEngine } from '../src/config/engine-check';
import { createLogger } from '../src/logging/logger';
import { composeWorker } from './worker.composition';

/** Worker entry point: load config, build the graph, take builds, close cleanly on SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  await checkEngine(config, process.env.BERTH_CONFIG ?? DEFAULT_CONFIG_PATH);
  const logger = createLogger(config.log, 'worker');
  const worker = composeWorker(config, logger);
  let stopping = false;
  const stop = () => {
    // A second signal stops at once; running builds are then taken up by another worker.
    const force = stopping;
    stopping = true;
    logger.info(force ? 'stopping now' : 'finishing running builds, then stopping (signal again to stop now)');
    void worker.close(force).then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await worker.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`berth worker: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
