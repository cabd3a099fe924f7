#!/usr/bin/env bash
# The whole test suite on this machine: prepare it (packages, Docker, Podman, Redis, stand-in
# base images), install the npm dependencies, then build and run every test against both engines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Stand-in base images for the tests, under names of their own (berth-test/...).
bash scripts/base-images.sh
# `npm install` (not `npm ci`): it keeps to package-lock.json but tolerates lock entries
# missing for other platforms' optional binaries.
npm install --no-audit --no-fund
npm run test:jest -- "$@"
