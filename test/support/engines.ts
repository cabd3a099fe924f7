/** Where the test engines listen; scripts/setup.sh starts both. */
export type EngineName = 'docker' | 'podman';

export const SOCKETS: Record<EngineName, string> = {
  docker: process.env.BERTH_TEST_DOCKER_SOCKET ?? '/var/run/docker.sock',
  podman: process.env.BERTH_TEST_PODMAN_SOCKET ?? '/run/berth/podman.sock',
};

export const REDIS_URL = process.env.BERTH_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';

/** The engine this jest project runs against (set by test/support/engine.<name>.ts). */
export function currentEngine(): EngineName {
  const engine = process.env.BERTH_TEST_ENGINE;
  if (engine !== 'docker' && engine !== 'podman') throw new Error('BERTH_TEST_ENGINE must be docker or podman');
  return engine;
}
