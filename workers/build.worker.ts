import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../src/config/config.loader';
import { checkEngine } from '../src/config/engine-check';
import { createLogger } from '../src/logging/logger';
import { composeWorker } from './worker.composition';

/** Longest wait for running builds to be handed back before the process exits anyway. */
const HAND_BACK_MS = 15_000;

/** Worker entry point: load config, build the graph, take builds, close cleanly on SIGTERM. */
async function main(): Promise<void> {
  const config = loadConfig();
  await checkEngine(config, process.env.BERTH_CONFIG ?? DEFAULT_CONFIG_PATH);
  const logger = createLogger(config.log, 'worker');
  const worker = composeWorker(config, logger);
  let stopping = false;
  const stop = () => {
    // A second signal exits at once: its builds are taken up again once their locks expire.
    if (stopping) {
      logger.warn('stopping now');
      process.exit(1);
    }
    stopping = true;
    logger.info('stopping: running builds go back to the queue (signal again to stop at once)');
    setTimeout(() => {
      logger.warn('builds not handed back in time: stopping anyway', { waitedMs: HAND_BACK_MS });
      process.exit(1);
    }, HAND_BACK_MS).unref();
    void worker.close().then(
      () => {
        logger.info('stopped');
        process.exit(0);
      },
      (err: unknown) => {
        logger.error('stopping failed', { error: String(err) });
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  await worker.start();
}

main().catch((err: unknown) => {
  process.stderr.write(`berth worker: ${err instanceof ConfigError || err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
