#!/usr/bin/env bash
# The whole test suite on this machine: prepare it (packages, Docker, Podman, Redis, stand-in
# base images), install the npm dependencies, then build, lint and run every test against both
# engines.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# Stand-in base images for the tests, under names of their own (berth-test/...).
bash scripts/base-images.sh
# `npm ci` unless node_modules already matches package-lock.json; `npm run lint` (part of
# test:jest) also fails when the lockfile no longer satisfies `npm ci`.
bash scripts/install.sh
npm run test:jest -- "$@"
