#!/usr/bin/env bash
# Install the npm dependencies exactly as package-lock.json pins them (`npm ci`), unless the
# installed tree already matches: the hash of package.json, package-lock.json and the Node
# version is kept in node_modules/.berth-install-stamp after each install.
# BERTH_FORCE_INSTALL=1 installs anyway.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.berth-install-stamp
want=$({ cat package.json package-lock.json; node --version; } | sha256sum | cut -d' ' -f1)
if [ "${BERTH_FORCE_INSTALL:-0}" != 1 ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$want" ]; then
  exit 0
fi
printf '[install] npm ci (package-lock.json changed since the last install)\n' >&2
npm ci --no-audit --no-fund --loglevel=error
echo "$want" > "$stamp"
