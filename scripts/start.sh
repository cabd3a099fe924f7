#!/usr/bin/env bash
# Start Berth on this machine: prepare it (packages, the engine, Redis), install and build,
# then run the API with config/berth.toml (or BERTH_CONFIG) in the foreground.
# The engine started follows the config's runtime ("docker" unless BERTH_DOCKER_RUNTIME says).
set -euo pipefail
cd "$(dirname "$0")/.."
runtime=${BERTH_DOCKER_RUNTIME:-$(sed -n 's/^runtime *= *"\([a-z]*\)".*/\1/p' "${BERTH_CONFIG:-config/berth.toml}" | head -n 1)}
BERTH_ENGINES=${BERTH_ENGINES:-${runtime:-docker}} bash scripts/setup.sh
npm ci --no-audit --no-fund
npm run build
exec npm start
