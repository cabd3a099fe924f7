/**
 * `BERTH_*` variables that are not configuration keys but belong to other parts of Berth, so
 * that refusing unknown variables does not refuse them. Keep in step with the scripts.
 */
export const OTHER_VARIABLES: readonly string[] = [
  'BERTH_CONFIG', // the configuration file (config.loader.ts)
  'BERTH_ENGINES', // scripts/setup.sh, start.sh, base-images.sh: engines to start
  'BERTH_WORKERS', // scripts/start.sh: worker processes to start
  'BERTH_PODMAN_SOCKET', // scripts/setup.sh, base-images.sh: where the Podman service listens
  'BERTH_REDIS_PORT', // scripts/setup.sh: port of the local Redis it starts
  'BERTH_REBUILD_IMAGES', // scripts/base-images.sh: make the stand-in images again
  'BERTH_STOP_SECONDS', // scripts/start.sh: how long the API and workers get to stop
  'BERTH_FORCE_INSTALL', // scripts/install.sh: run npm ci even when the lockfile did not change
  'BERTH_BASE_IMAGE', // docker-compose.yml: base image of Berth's own image
  'BERTH_ENGINE_SOCKET', // docker-compose.yml: host socket mounted into the containers
  'BERTH_TOKEN', // docs/self-hosting.md: a client's token in CI scripts
  'BERTH_URL', // docs/self-hosting.md: a client's API address in CI scripts
];

/** Prefixes of variables read by the test suite and benchmarks (BERTH_TEST_ENGINE, BERTH_BENCH_REDIS_URL...). */
export const OTHER_PREFIXES: readonly string[] = ['BERTH_TEST_', 'BERTH_BENCH_'];

export function isOtherVariable(name: string): boolean {
  return OTHER_VARIABLES.includes(name) || OTHER_PREFIXES.some((p) => name.startsWith(p));
}

/** The candidate nearest to `name` when it is a likely typo (a few edits away, case aside), else undefined. */
export function closestName(name: string, candidates: readonly string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(name.toUpperCase(), candidate.toUpperCase());
    if (!best || distance < best.distance) best = { name: candidate, distance };
  }
  return best && best.distance <= Math.max(2, Math.floor(name.length / 6)) ? best.name : undefined;
}

/** Levenshtein distance; names are short, so the plain table is enough. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}
