import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from './config/config.loader';
import { checkEngine } from './config/engine-check';
import { composeApi } from './composition';
import { createLogger } from './logging/logger';

/** API entry point: load config, check the engine, listen, close cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const file = process.env.BERTH_CONFIG ?? DEFAULT_CONFIG_PATH;
  await checkEngine(config, file);
  const logger = createLogger(config.log, 'api');
  const api = composeApi(config, logger);
  // Requests in the first instants would otherwise meet a Redis connection still opening (503).
  if (!(await api.redisReady(5000))) logger.warn('redis does not answer yet; build routes answer 503 until it does', { url: config.redis.url });
  const server = api.app.listen(config.server.port, config.server.host, () => {
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : config.server.port;
    logger.info('Berth API listening', { url: `http://${config.server.host}:${port}`, runtime: config.docker.runtime, socket: config.docker.socket_path });
  });
  server.on('error', (err) => fail(`cannot listen on ${config.server.host}:${config.server.port}: ${err.message}`));
  const stop = () => {
    logger.info('shutting down');
    server.close(() => void api.close().then(() => process.exit(0)));
    setTimeout(() => process.exit(0), 5000).unref();
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

function fail(message: string): never {
  process.stderr.write(`berth: ${message}\n`);
  process.exit(1);
}

main().catch((err: unknown) => {
  fail(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err));
});
