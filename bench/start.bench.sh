#!/usr/bin/env bash
# Time from `./scripts/start.sh` to `GET /api/v1/healthy` answering 200, and from Ctrl-C (SIGINT
# to start.sh's process group, as a terminal sends it) to start.sh's exit. One line per run.
#   bench/start.bench.sh [cold|warm|build] [RUNS]
# cold:  removes node_modules/ and dist/ first (as in a fresh clone): start.sh installs and builds.
# warm:  (default) a restart with nothing changed.
# build: a warm start, then Ctrl-C while a build runs `RUN sleep 300`; fails unless the worker
#        handed the build back to the queue; it is cancelled and deleted at a second start.
#        Needs `[git] allow_file_urls = true` and BERTH_BENCH_IMAGE, a base image the engine has
#        [berth-test/busybox:latest].
# Uses BERTH_CONFIG like start.sh; the API must listen on 127.0.0.1:${BERTH_SERVER_PORT:-3000}.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-warm}
runs=${2:-3}
api=http://127.0.0.1:${BERTH_SERVER_PORT:-3000}/api/v1
work=$(mktemp -d /tmp/berth-start-bench.XXXXXX)
trap '[ -n "${BERTH_BENCH_KEEP_LOG:-}" ] && cp "$work/start.log" "$BERTH_BENCH_KEEP_LOG"; rm -rf "$work"' EXIT
# Job control: start.sh runs in a process group of its own, with SIGINT not ignored, as in a
# terminal.
set -m

now() { date +%s.%N; }
since() { echo "$(now) - $1" | bc; }
start_berth() { # start_berth: starts start.sh, waits for /healthy; sets $pid
  if curl -sf -o /dev/null "$api/healthy"; then echo "something already answers on $api: stop it first" >&2; exit 1; fi
  bash scripts/start.sh >> "$work/start.log" 2>&1 &
  pid=$!
  until curl -sf -o /dev/null "$api/healthy"; do
    if ! kill -0 "$pid" 2>/dev/null; then echo "start.sh exited; its output:" >&2; cat "$work/start.log" >&2; exit 1; fi
    sleep 0.1
  done
}
ctrl_c() { kill -INT -- "-$pid"; wait "$pid" || true; }
api_call() { curl -sf -H "Authorization: Bearer $(npm run --silent token)" -H 'Content-Type: application/json' "$@"; }

sleeping_repo() { # a git repository whose build runs for five minutes
  git init -q -b main "$work/repo"
  printf 'FROM %s\nRUN sleep 300\n' "${BERTH_BENCH_IMAGE:-berth-test/busybox:latest}" > "$work/repo/Dockerfile"
  git -C "$work/repo" add Dockerfile
  git -C "$work/repo" -c user.name=bench -c user.email=bench@localhost commit -qm sleep
}

run_build() { # run_build RUN: Ctrl-C while a build runs
  local id="bench-stop-$$-$1" status=''
  start_berth
  api_call -o /dev/null -X POST "$api/images/build" \
    -d "{\"id\":\"$id\",\"git_repo\":\"file://$work/repo\",\"buildpack_type\":\"dockerfile\",\"image_tag\":\"berth-bench/stop:$$\"}"
  until [ "$status" = building ]; do
    status=$(api_call "$api/builds/$id" | sed -n 's/.*"status":"\([a-z]*\)".*/\1/p')
    case $status in succeeded|failed|cancelled) echo "the build ended $status before Ctrl-C" >&2; exit 1 ;; esac
    sleep 0.2
  done
  sleep 3 # into the RUN step
  local t=$(now)
  ctrl_c
  printf 'build run %d: stopped %.1f s after Ctrl-C during a build\n' "$1" "$(since "$t")"
  # The worker must hand the build back (one SIGTERM), not drop it locked (SIGINT + SIGTERM).
  if ! grep 'build handed back to the queue' "$work/start.log" | grep -q -- "$id"; then
    echo "the build was not handed back to the queue on Ctrl-C; start.sh's output:" >&2
    cat "$work/start.log" >&2
    exit 1
  fi
  start_berth
  api_call -o /dev/null -X POST "$api/builds/$id/cancel" || true
  until api_call -o /dev/null -X DELETE "$api/builds/$id"; do sleep 0.5; done
  ctrl_c
}

[ "$mode" = build ] && sleeping_repo
for run in $(seq 1 "$runs"); do
  if [ "$mode" = build ]; then run_build "$run"; continue; fi
  [ "$mode" = cold ] && rm -rf node_modules dist src/generated
  started=$(now)
  start_berth
  ready=$(since "$started")
  t=$(now)
  ctrl_c
  printf '%s run %d: healthy after %.1f s; stopped %.1f s after Ctrl-C\n' "$mode" "$run" "$ready" "$(since "$t")"
done
