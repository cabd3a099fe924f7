import { request } from 'node:http';
import { Redis } from 'ioredis';
import { REDIS_URL, SOCKETS } from './engines';

/** Fails the run at once, with the command that fixes it, when a service the tests need is down. */
export default async function globalSetup(): Promise<void> {
  const down: string[] = [];
  for (const [name, socket] of Object.entries(SOCKETS)) {
    if (!(await ping(socket))) down.push(`${name} engine at ${socket}`);
  }
  const redis = new Redis(REDIS_URL, { lazyConnect: true, maxRetriesPerRequest: 0, connectTimeout: 2000, retryStrategy: () => null });
  try {
    await redis.connect();
    await redis.ping();
  } catch {
    down.push(`redis at ${REDIS_URL}`);
  } finally {
    redis.disconnect();
  }
  if (down.length > 0) {
    throw new Error(`not running: ${down.join('; ')}. Start everything with: bash scripts/setup.sh`);
  }
}

function ping(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: '/_ping', timeout: 5000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });
}
