import { statSync } from 'node:fs';
import { ConfigError, loadConfig } from './config/config.loader';
import type { BerthConfig } from './config/config.schema';
import { composeApi } from './composition';
import type { DockerodeEngine } from './engine/dockerode.engine';
import { createLogger } from './logging/logger';

/** API entry point: load config, check the engine, listen, close cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = loadConfig();
  const file = process.env.BERTH_CONFIG ?? 'config/berth.toml';
  const logger = createLogger(config.log, 'api');
  const api = composeApi(config, logger);
  await checkEngine(config, file, api.engine);
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

/** The socket must exist and answer, and be the engine the config says it is. */
async function checkEngine(config: BerthConfig, file: string, engine: DockerodeEngine): Promise<void> {
  const socket = config.docker.socket_path;
  try {
    if (!statSync(socket).isSocket()) throw new ConfigError(file, [`docker.socket_path = ${JSON.stringify(socket)}: not a socket`]);
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(file, [`docker.socket_path = ${JSON.stringify(socket)}: ${(err as NodeJS.ErrnoException).code ?? 'unreachable'}`]);
  }
  let found: string;
  try {
    found = (await engine.version()).engine;
  } catch (err) {
    throw new ConfigError(file, [`docker.socket_path = ${JSON.stringify(socket)}: the engine does not answer (${(err as Error).message})`]);
  }
  if (found !== config.docker.runtime) {
    throw new ConfigError(file, [`docker.runtime = ${JSON.stringify(config.docker.runtime)}: the socket ${socket} belongs to ${found}`]);
  }
}

function fail(message: string): never {
  process.stderr.write(`berth: ${message}\n`);
  process.exit(1);
}

main().catch((err: unknown) => {
  fail(err instanceof ConfigError ? err.message : err instanceof Error ? err.message : String(err));
});
