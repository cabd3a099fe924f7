import { statSync } from 'node:fs';
import { DockerodeEngine } from '../engine/dockerode.engine';
import { ConfigError } from './config.loader';
import type { BerthConfig } from './config.schema';

/** The socket must exist and answer, and be the engine the config says it is. */
export async function checkEngine(config: BerthConfig, file: string): Promise<void> {
  const engine = new DockerodeEngine({ socketPath: config.docker.socket_path, runtime: config.docker.runtime, timeoutMs: 5000 });
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
