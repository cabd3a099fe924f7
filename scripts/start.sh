#!/usr/bin/env bash
# Start Berth on this machine: prepare it (packages, the engine, Redis), install and build what
# changed since the last start, then run the API and the build workers with config/berth.toml (or
# the file in BERTH_CONFIG). The engine started follows the config's runtime.
# With [proxy] enabled = true (the default) the API starts HAProxy, the edge of deployed apps, on
# [proxy] http_port (80) from Berth's own state, and restarts it if it dies. HAProxy is a daemon
# of its own: it keeps serving the apps while Berth is stopped or restarted (a restarted API
# reloads it without dropping a connection). To stop it too:
#   kill "$(head -n 1 /var/lib/berth/haproxy/haproxy.pid)"   # the pidfile in [proxy] config_dir
#
# Environment (defaults in brackets):
#   BERTH_WORKERS       build workers to start; 0 for the API alone [1]
#   BERTH_STOP_SECONDS  on Ctrl-C or SIGTERM, how long the API and workers get to stop after
#                       SIGTERM before they are killed [10]
# A stopped worker's running builds go back to the queue and are taken up at the next start.
# Started in the background by another script, start.sh ignores SIGINT (bash does that to
# background jobs without job control): stop it with SIGTERM there.
set -euo pipefail
cd "$(dirname "$0")/.."
config=${BERTH_CONFIG:-config/berth.toml}
stop_seconds=${BERTH_STOP_SECONDS:-10}
log() { printf '[start] %s\n' "$*" >&2 || true; } # the terminal may be gone (SIGHUP)

runtime=${BERTH_DOCKER_RUNTIME:-$(sed -n 's/^runtime *= *"\([a-z]*\)".*/\1/p' "$config" | head -n 1)}
BERTH_ENGINES=${BERTH_ENGINES:-${runtime:-docker}} bash scripts/setup.sh
bash scripts/install.sh

# Build only when the sources changed since the last build: their hash is kept in dist/.
build_stamp=dist/.berth-build-stamp
sources_hash() {
  { find src workers buildpacks bench -type f -name '*.ts' ! -name '*.test.ts' ! -path 'src/generated/*' -print0
    printf '%s\0' tsconfig.json tsconfig.build.json tsoa.json package-lock.json test/support/git-server.ts
  } | sort -z | xargs -0 sha256sum | sha256sum | cut -d' ' -f1
}
hash=$(sources_hash)
if [ ! -f dist/src/main.js ] || [ ! -f dist/workers/build.worker.js ] || [ "$(cat "$build_stamp" 2>/dev/null)" != "$hash" ]; then
  log "building (sources changed since the last build)"
  npm run build --silent
  echo "$hash" > "$build_stamp"
fi

pids=()
alive() { # the started processes that still run
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && echo "$pid"; done
  return 0
}
# Stop everything within about BERTH_STOP_SECONDS, whatever the processes do with SIGTERM.
stop() {
  local status=$1 left
  trap '' INT TERM
  left=$(alive)
  if [ -n "$left" ]; then
    log "stopping (SIGTERM; killed after ${stop_seconds}s)"
    # shellcheck disable=SC2086 # one pid per word
    kill -TERM $left 2>/dev/null || true
    local deadline=$((SECONDS + stop_seconds))
    while left=$(alive) && [ -n "$left" ] && [ $SECONDS -lt "$deadline" ]; do sleep 0.2; done
    if [ -n "$left" ]; then
      log "killing what did not stop: $(echo $left)"
      # shellcheck disable=SC2086
      kill -KILL $left 2>/dev/null || true
    fi
  fi
  wait 2>/dev/null || true
  exit "$status"
}
trap 'stop 130' INT
trap 'stop 143' TERM
trap 'stop 129' HUP

# Each process in a process group of its own: Ctrl-C in a terminal signals the foreground group,
# and a worker that got SIGINT from the terminal and then SIGTERM from stop() would take the two
# as "stop at once" and leave its builds locked instead of handing them back. So only start.sh
# gets the terminal's signals, and stop() sends one SIGTERM. (Job control only while starting
# them: left on, bash would print a "Done" line for each process that ends.)
set -m
for _ in $(seq 1 "${BERTH_WORKERS:-1}"); do
  node dist/workers/build.worker.js &
  pids+=($!)
done
node dist/src/main.js &
pids+=($!)
set +m
# Runs until a signal or until one of them ends (a bad config, say): then the others stop too.
status=0
wait -n "${pids[@]}" || status=$?
stop "$status"
