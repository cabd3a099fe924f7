#!/usr/bin/env bash
# Prepare this machine for Berth: system packages, the container engines and Redis.
# Idempotent: whatever already answers is left alone. It never makes or replaces images.
#
# Environment (defaults in brackets):
#   BERTH_ENGINES        engines to start: "docker podman", "docker" or "podman" [docker podman]
#   BERTH_PODMAN_SOCKET  where the Podman API service listens [/run/berth/podman.sock]
#   BERTH_REDIS_PORT     port of the local Redis [6379]
set -euo pipefail

engines=${BERTH_ENGINES:-docker podman}
podman_socket=${BERTH_PODMAN_SOCKET:-/run/berth/podman.sock}
redis_port=${BERTH_REDIS_PORT:-6379}
here=$(cd "$(dirname "$0")" && pwd)
log() { printf '[setup] %s\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

install_packages() {
  local wanted=(git openssh-client redis-server busybox-static curl python3 python3-pip)
  case " $engines " in *" docker "*) wanted+=(docker.io) ;; esac
  # dnsname gives Podman's CNI networks name resolution: without it compose services cannot
  # reach each other by service name (e.g. Berth's container cannot find "redis").
  case " $engines " in *" podman "*) wanted+=(podman catatonit golang-github-containernetworking-plugin-dnsname) ;; esac
  wanted+=(docker-compose)
  # HAProxy, the edge of deployed apps. Not started here: Berth's API starts its own instance on
  # its own files (and the tests start theirs, on their own ports and sockets).
  wanted+=(haproxy)
  # openssl makes the HTTPS frontend's self-signed default certificate; pebble (with
  # pebble-challtestsrv) is the ACME test server the TLS tests start on their own ports.
  wanted+=(openssl pebble)
  # debootstrap makes the Debian root of the berth-test/debian-* stand-in images (base-images.sh).
  wanted+=(debootstrap)
  # docker-registry (the reference distribution registry) and htpasswd (bcrypt lines): the image
  # tests start their own registries on 127.0.0.1, with and without auth (test/support/registry.ts).
  wanted+=(docker-registry apache2-utils)
  # chromium drives the dashboard's browser tests (headless, through playwright-core: no browser
  # download); openssh-server is the sshd the multi-node tests start on 127.0.0.1 in front of an
  # engine socket (its own config and port; the package's service is not used).
  wanted+=(chromium openssh-server)
  if ! command -v apt-get >/dev/null 2>&1; then
    log "this system has no apt-get. Install these packages (or their equivalents) and run again:"
    log "  ${wanted[*]}"
    exit 1
  fi
  local missing=()
  for pkg in "${wanted[@]}"; do
    dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed' || missing+=("$pkg")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    log "installing: ${missing[*]}"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  fi
}

# The package's own haproxy service (/etc/haproxy/haproxy.cfg) is not Berth's: it would hold port
# 80 before Berth's HAProxy could. Stopped and disabled on every run, systemd or not.
quiet_system_haproxy() {
  if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
    if systemctl is-enabled --quiet haproxy 2>/dev/null || systemctl is-active --quiet haproxy 2>/dev/null; then
      log "stopping and disabling the system haproxy.service (Berth runs its own HAProxy)"
      as_root systemctl disable --now haproxy >/dev/null 2>&1 || true
    fi
    return
  fi
  if [ -f /run/haproxy.pid ] && kill -0 "$(head -n 1 /run/haproxy.pid)" 2>/dev/null; then
    log "stopping the system haproxy (Berth runs its own HAProxy)"
    as_root /etc/init.d/haproxy stop >/dev/null 2>&1 || true
  fi
  if command -v update-rc.d >/dev/null 2>&1 && [ -f /etc/init.d/haproxy ]; then as_root update-rc.d haproxy disable >/dev/null 2>&1 || true; fi
}

wait_for() { # wait_for DESCRIPTION SECONDS COMMAND...
  local what=$1 limit=$2; shift 2
  local deadline=$((SECONDS + limit))
  until "$@" >/dev/null 2>&1; do
    if [ $SECONDS -ge $deadline ]; then log "$what did not answer within ${limit}s"; return 1; fi
    sleep 0.2
  done
}

start_docker() {
  if curl -sf --unix-socket /var/run/docker.sock http://d/_ping >/dev/null 2>&1; then return; fi
  log "starting dockerd"
  as_root setsid nohup dockerd --host unix:///var/run/docker.sock >/var/log/berth-dockerd.log 2>&1 < /dev/null &
  wait_for dockerd 60 curl -sf --unix-socket /var/run/docker.sock http://d/_ping
}

start_podman() {
  local conf=/etc/containers/containers.conf
  # Without this every container fails with "error setting rlimit type 7" in this kind of sandbox.
  if ! grep -q '^default_ulimits *= *\[\]' "$conf" 2>/dev/null; then
    as_root mkdir -p /etc/containers
    printf '[containers]\ndefault_ulimits = []\n' | as_root tee "$conf" >/dev/null
  fi
  if curl -sf --unix-socket "$podman_socket" http://d/_ping >/dev/null 2>&1; then return; fi
  log "starting podman system service on $podman_socket"
  as_root mkdir -p "$(dirname "$podman_socket")"
  as_root rm -f "$podman_socket"
  as_root setsid nohup podman system service --time=0 "unix://$podman_socket" >/var/log/berth-podman.log 2>&1 < /dev/null &
  wait_for "podman service" 60 curl -sf --unix-socket "$podman_socket" http://d/_ping
}

start_redis() {
  if redis-cli -p "$redis_port" ping 2>/dev/null | grep -q PONG; then return; fi
  log "starting redis-server on 127.0.0.1:$redis_port"
  as_root mkdir -p /var/lib/berth/redis
  redis-server --bind 127.0.0.1 --port "$redis_port" --daemonize yes \
    --dir /var/lib/berth/redis --appendonly yes --maxmemory-policy noeviction \
    --logfile /var/log/berth-redis.log
  wait_for redis 20 redis-cli -p "$redis_port" ping
}

install_packages
quiet_system_haproxy
case " $engines " in *" docker "*) start_docker ;; esac
case " $engines " in *" podman "*) start_podman ;; esac
start_redis
log "ready"
