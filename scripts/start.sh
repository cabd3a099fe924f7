#!/usr/bin/env bash
# Start Berth on this machine: prepare it (packages, the engine, Redis), install and build,
# then run the API and one build worker with config/berth.toml (or the file in BERTH_CONFIG).
# Stops both on Ctrl-C. The engine started follows the config's runtime.
# BERTH_WORKERS=N starts N workers (default 1; 0 for the API alone).
set -euo pipefail
cd "$(dirname "$0")/.."
config=${BERTH_CONFIG:-config/berth.toml}
runtime=${BERTH_DOCKER_RUNTIME:-$(sed -n 's/^runtime *= *"\([a-z]*\)".*/\1/p' "$config" | head -n 1)}
BERTH_ENGINES=${BERTH_ENGINES:-${runtime:-docker}} bash scripts/setup.sh
# `npm install` (not `npm ci`): it keeps to package-lock.json but tolerates lock entries
# missing for other platforms' optional binaries.
npm install --no-audit --no-fund --loglevel=error
npm run build --silent
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait' EXIT INT TERM
for _ in $(seq 1 "${BERTH_WORKERS:-1}"); do
  node dist/workers/build.worker.js &
  pids+=($!)
done
node dist/src/main.js &
pids+=($!)
wait -n "${pids[@]}"
