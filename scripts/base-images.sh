#!/usr/bin/env bash
# Make the stand-in base images Berth's tests use, without a registry, imported into every
# running engine under a name of its own (berth-test/NAME:TAG), never under an official name such
# as node:20-alpine. Two kinds: small ones (busybox, node, nginx, python, redis, berth-base) are a
# busybox root file system plus programs copied from this host; the debian-* ones
# (debian-node:20, debian-python:3.11, debian-go:1.19) are a Debian bookworm root made by
# debootstrap from this machine's apt source, plus the host's Node or Debian's Python or Go, and
# stand in for the official Debian-based node, python and golang images the buildpacks name.
# Images that already exist are kept.
#
#   bash scripts/base-images.sh [IMAGE...]    e.g. `bash scripts/base-images.sh debian-node`
# Environment: BERTH_ENGINES [docker podman], BERTH_PODMAN_SOCKET [/run/berth/podman.sock],
#              BERTH_REBUILD_IMAGES=1 to make them again, BERTH_TEST_DEBIAN_MIRROR [the first URIs:
#              of /etc/apt/sources.list.d/debian.sources].
set -euo pipefail

engines=${BERTH_ENGINES:-docker podman}
podman_socket=${BERTH_PODMAN_SOCKET:-/run/berth/podman.sock}
work=$(mktemp -d /tmp/berth-images.XXXXXX)
trap 'rm -rf "$work"' EXIT
log() { printf '[base-images] %s\n' "$*" >&2; }

docker_cli() { docker -H unix:///var/run/docker.sock "$@"; }
podman_cli() { podman --url "unix://$podman_socket" "$@"; }

has_image() { # has_image ENGINE NAME
  if [ "$1" = docker ]; then docker_cli image inspect "$2" >/dev/null 2>&1
  else podman_cli image exists "docker.io/$2" >/dev/null 2>&1; fi
}

import_image() { # import_image ROOTFS CMD_JSON CHANGE_LINES TAG...
  # CHANGE_LINES: Dockerfile instructions that both importers accept (ENV, WORKDIR, VOLUME,
  # EXPOSE), one per line.
  local root=$1 cmd=$2 lines=$3; shift 3
  local tarball=$work/$(basename "$root").tar changes=()
  tar -C "$root" -cf "$tarball" .
  changes+=(-c "CMD $cmd")
  while IFS= read -r line; do [ -n "$line" ] && changes+=(-c "$line"); done <<< "$lines"
  for engine in $engines; do
    local first=$1
    if [ "$engine" = docker ]; then
      docker_cli import "${changes[@]}" "$tarball" "$first" >/dev/null
      for tag in "${@:2}"; do docker_cli tag "$first" "$tag"; done
    else
      podman_cli import "${changes[@]}" "$tarball" "docker.io/$first" >/dev/null
      for tag in "${@:2}"; do podman_cli tag "docker.io/$first" "docker.io/$tag"; done
    fi
  done
  log "made $*"
}

needed() { # needed TAG: true when some engine lacks TAG
  [ "${BERTH_REBUILD_IMAGES:-0}" = 1 ] && return 0
  for engine in $engines; do has_image "$engine" "$1" || return 0; done
  return 1
}

copy_with_libs() { # copy_with_libs ROOT FILE...: the files and every library they load
  local root=$1; shift
  for f in "$@"; do
    cp -L --parents "$f" "$root"
    { ldd "$f" 2>/dev/null || true; } | awk '/=> \//{print $3} /^\t\/lib/{print $1}' | while read -r lib; do
      [ -e "$root$lib" ] || cp -L --parents "$lib" "$root"
    done
  done
}

busybox_root() { # busybox_root DIR
  local root=$1
  mkdir -p "$root"/{bin,sbin,etc,tmp,root,usr/bin,usr/sbin,usr/local/bin,var/tmp,home}
  chmod 1777 "$root/tmp" "$root/var/tmp"
  cp /bin/busybox "$root/bin/busybox"
  for applet in $(/bin/busybox --list); do
    [ -e "$root/bin/$applet" ] || ln -s busybox "$root/bin/$applet"
  done
  ln -sf /bin/env "$root/usr/bin/env"
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' > "$root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' > "$root/etc/group"
  mkdir -p "$root/etc/ssl/certs"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/"
}

make_busybox() {
  needed berth-test/busybox:latest || return 0
  busybox_root "$work/busybox"
  import_image "$work/busybox" '["sh"]' '' berth-test/busybox:latest
}

node_root() { # node_root DIR: busybox plus the host's Node 20 and npm, laid out as in node:20-alpine
  local root=$1
  busybox_root "$root"
  copy_with_libs "$root" "$(readlink -f /usr/bin/node)"
  [ -e "$root/usr/bin/node" ] || cp -L /usr/bin/node "$root/usr/bin/node"
  mkdir -p "$root/usr/lib"
  cp -a /usr/lib/node_modules "$root/usr/lib/"
  ln -sf /usr/lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf /usr/lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  ln -sf /usr/lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
  echo 'node:x:1000:1000:node:/home/node:/bin/sh' >> "$root/etc/passwd"
  echo 'node:x:1000:' >> "$root/etc/group"
  mkdir -p "$root/home/node" && chown 1000:1000 "$root/home/node"
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$root/etc/npmrc"
  mkdir -p "$root/usr/etc" && cp "$root/etc/npmrc" "$root/usr/etc/npmrc"
}

NODE_ENV_LINES="$(printf '%s\n' \
  'ENV PATH=/usr/local/bin:/usr/local/sbin:/usr/bin:/usr/sbin:/bin:/sbin' \
  'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt' \
  'ENV NPM_CONFIG_GLOBALCONFIG=/etc/npmrc')"

make_node() {
  needed berth-test/node:20 || return 0
  node_root "$work/node"
  import_image "$work/node" '["node"]' "$NODE_ENV_LINES" \
    berth-test/node:20
}

# Base of Berth's own image on this machine (docker-compose.yml, BERTH_BASE_IMAGE): the node
# stand-in plus the host's git and ssh, which the real node:20-alpine gets from `apk add`, a
# package manager the stand-ins lack.
make_berth_base() {
  needed berth-base:local || return 0
  if ! command -v git >/dev/null || ! command -v ssh >/dev/null; then
    log "skipping berth-base:local: install git and openssh-client first"
    return 0
  fi
  local root=$work/berth-base
  node_root "$root"
  copy_with_libs "$root" "$(command -v git)" "$(command -v ssh)" $(find /usr/lib/git-core -maxdepth 1 -type f -perm -u+x)
  cp -a --parents /usr/share/git-core "$root" 2>/dev/null || true
  import_image "$root" '["node"]' "$NODE_ENV_LINES" berth-base:local
}

make_nginx() {
  needed berth-test/nginx:alpine || return 0
  local root=$work/nginx debs=$work/nginx-debs
  busybox_root "$root"
  mkdir -p "$debs" && (cd "$debs" && apt-get download -qq nginx nginx-common >/dev/null 2>&1)
  for deb in "$debs"/*.deb; do dpkg-deb -x "$deb" "$debs/x"; done
  mkdir -p "$root/usr/sbin" "$root/etc/nginx/conf.d" "$root/usr/share/nginx/html" \
    "$root/var/log/nginx" "$root/var/cache/nginx" "$root/var/lib/nginx" "$root/run"
  cp "$debs/x/usr/sbin/nginx" "$root/usr/sbin/nginx"
  copy_with_libs "$root" "$debs/x/usr/sbin/nginx"
  rm -rf "${root:?}$debs"
  cp "$debs/x/etc/nginx/mime.types" "$root/etc/nginx/mime.types"
  echo 'nginx:x:101:101:nginx:/var/cache/nginx:/bin/false' >> "$root/etc/passwd"
  echo 'nginx:x:101:' >> "$root/etc/group"
  cat > "$root/etc/nginx/nginx.conf" <<'CONF'
user nginx;
worker_processes 1;
error_log /dev/stderr warn;
pid /run/nginx.pid;
events { worker_connections 1024; }
http {
  include /etc/nginx/mime.types;
  default_type application/octet-stream;
  access_log /dev/stdout;
  sendfile on;
  include /etc/nginx/conf.d/*.conf;
}
CONF
  cat > "$root/etc/nginx/conf.d/default.conf" <<'CONF'
server {
  listen 80;
  root /usr/share/nginx/html;
  index index.html;
}
CONF
  echo '<h1>Welcome to nginx</h1>' > "$root/usr/share/nginx/html/index.html"
  import_image "$root" '["nginx","-g","daemon off;"]' '' berth-test/nginx:alpine
}

make_python() {
  needed berth-test/python:3.11 || return 0
  local root=$work/python
  busybox_root "$root"
  copy_with_libs "$root" /usr/bin/python3.11
  mkdir -p "$root/usr/lib/python3"
  cp -a /usr/lib/python3.11 "$root/usr/lib/"
  rm -rf "$root/usr/lib/python3.11/test" "$root/usr/lib/python3.11/idlelib"
  for so in /usr/lib/python3.11/lib-dynload/*.so; do copy_with_libs "$root" "$so"; done
  [ -d /usr/lib/python3/dist-packages ] && cp -a /usr/lib/python3/dist-packages "$root/usr/lib/python3/"
  ln -sf python3.11 "$root/usr/bin/python3"
  ln -sf python3.11 "$root/usr/bin/python"
  printf '#!/bin/sh\nexec python3 -m pip "$@"\n' > "$root/usr/bin/pip"
  chmod +x "$root/usr/bin/pip" && ln -sf pip "$root/usr/bin/pip3"
  import_image "$root" '["python3"]' "$(printf '%s\n' \
    'ENV PATH=/usr/local/bin:/usr/bin:/usr/sbin:/bin:/sbin' 'ENV PYTHONUNBUFFERED=1' \
    'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt' 'ENV PIP_BREAK_SYSTEM_PACKAGES=1')" \
    berth-test/python:3.11
}

# Stands in for Docker Hub's redis:7-alpine in tests: the host's Redis 7 on
# the busybox root. Unlike the real image it has no entrypoint that turns protected mode off,
# so the CMD does it; the data directory is /data, as in the real image.
make_redis() {
  needed berth-test/redis:7 || return 0
  local root=$work/redis
  busybox_root "$root"
  copy_with_libs "$root" /usr/bin/redis-server /usr/bin/redis-cli
  mkdir -p "$root/data"
  echo 'redis:x:999:999:redis:/data:/bin/false' >> "$root/etc/passwd"
  echo 'redis:x:999:' >> "$root/etc/group"
  import_image "$root" '["redis-server","--appendonly","yes","--maxmemory-policy","noeviction","--protected-mode","no"]' \
    "$(printf '%s\n' 'WORKDIR /data' 'VOLUME /data' 'EXPOSE 6379')" \
    berth-test/redis:7
}

# The Debian stand-ins: a real Debian bookworm root file system (glibc, apt, bash), so native
# Node addons, venvs and Debian's own toolchains behave as in the official Debian-based images.
# debootstrap runs once per script run; each image starts from a copy of that root.
debian_mirror() { # the machine's own apt source: the default mirror may be unreachable
  local mirror=${BERTH_TEST_DEBIAN_MIRROR:-}
  [ -n "$mirror" ] || mirror=$(awk '/^URIs:/{print $2; exit}' /etc/apt/sources.list.d/debian.sources 2>/dev/null || true)
  [ -n "$mirror" ] || mirror=$(awk '$1=="deb"{print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
  echo "${mirror:-http://deb.debian.org/debian}"
}

debian_root() { # debian_root DIR: a copy of this run's Debian bookworm (minbase) root
  local base=$work/debian
  if [ ! -d "$base" ]; then
    command -v debootstrap >/dev/null || { log "debootstrap is missing: apt-get install debootstrap"; exit 1; }
    [ "$(id -u)" -eq 0 ] || { log "the Debian images need root (debootstrap, chroot): run this script as root"; exit 1; }
    local mirror; mirror=$(debian_mirror)
    log "debootstrap bookworm from $mirror"
    if ! debootstrap --variant=minbase bookworm "$base.tmp" "$mirror" >"$work/debootstrap.log" 2>&1; then
      tail -n 20 "$work/debootstrap.log" >&2; log "debootstrap failed"; exit 1
    fi
    mv "$base.tmp" "$base"
    debian_certs "$base"
    debian_clean "$base"
  fi
  cp -a "$base" "$1"
}

# The host's CA bundle, and its local CAs where Debian's ca-certificates keeps them, so that an
# update-ca-certificates (e.g. when a build installs ca-certificates) still trusts them.
debian_certs() { # debian_certs ROOT
  local root=$1
  mkdir -p "$root/etc/ssl/certs" "$root/usr/local/share/ca-certificates"
  cp /etc/ssl/certs/ca-certificates.crt "$root/etc/ssl/certs/ca-certificates.crt"
  if compgen -G '/usr/local/share/ca-certificates/*.crt' >/dev/null; then
    cp /usr/local/share/ca-certificates/*.crt "$root/usr/local/share/ca-certificates/"
  fi
}

debian_install() { # debian_install ROOT PACKAGE...: apt-get in a chroot, without recommends
  local root=$1 out=$work/apt.log; shift
  cp /etc/resolv.conf "$root/etc/resolv.conf"
  if ! { chroot "$root" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive chroot "$root" apt-get install -y -qq --no-install-recommends "$@"; } >"$out" 2>&1; then
    tail -n 20 "$out" >&2; log "apt-get install $* failed"; exit 1
  fi
  debian_certs "$root" # a ca-certificates package may have rewritten the bundle
  debian_clean "$root"
}

debian_clean() { # debian_clean ROOT: nothing an image should carry (apt caches and lists, logs)
  local root=$1
  chroot "$root" apt-get clean >/dev/null 2>&1 || true
  rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/var/cache/debconf/*-old \
    "$root"/var/log/apt/* "$root"/var/log/dpkg.log "$root"/var/log/bootstrap.log "$root"/tmp/* \
    "$root"/usr/share/doc/* "$root"/usr/share/man/* "$root"/usr/share/info/*
  : > "$root/etc/resolv.conf"
}

DEBIAN_PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
YARN_VERSION=1.22.22

# As node:20-bookworm lays it out: node, npm, npx and corepack under /usr/local, yarn classic in
# /opt, a `node` user (1000:1000). Node is this host's; npm trusts the host's CA bundle.
make_debian_node() {
  needed berth-test/debian-node:20 || return 0
  local root=$work/debian-node
  debian_root "$root"
  mkdir -p "$root/usr/local/bin" "$root/usr/local/lib" "$root/usr/local/etc"
  cp -L /usr/bin/node "$root/usr/local/bin/node"
  cp -a /usr/lib/node_modules "$root/usr/local/lib/"
  ln -sf ../lib/node_modules/npm/bin/npm-cli.js "$root/usr/local/bin/npm"
  ln -sf ../lib/node_modules/npm/bin/npx-cli.js "$root/usr/local/bin/npx"
  ln -sf ../lib/node_modules/corepack/dist/corepack.js "$root/usr/local/bin/corepack"
  chroot "$root" groupadd --gid 1000 node
  chroot "$root" useradd --uid 1000 --gid node --shell /bin/bash --create-home node
  printf 'cafile=/etc/ssl/certs/ca-certificates.crt\nfund=false\naudit=false\nupdate-notifier=false\n' > "$root/usr/local/etc/npmrc"
  local yarn_tgz
  if yarn_tgz=$(cd "$work" && npm pack --silent "yarn@$YARN_VERSION" 2>/dev/null) && [ -f "$work/$yarn_tgz" ]; then
    mkdir -p "$root/opt/yarn-v$YARN_VERSION"
    tar -xzf "$work/$yarn_tgz" -C "$root/opt/yarn-v$YARN_VERSION" --strip-components=1
    ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarn" "$root/usr/local/bin/yarn"
    ln -sf "/opt/yarn-v$YARN_VERSION/bin/yarnpkg" "$root/usr/local/bin/yarnpkg"
  else
    log "berth-test/debian-node:20 without yarn: npm could not fetch yarn@$YARN_VERSION"
  fi
  import_image "$root" '["node"]' "$(printf '%s\n' "ENV PATH=$DEBIAN_PATH" \
    'ENV NODE_VERSION='"$(node -p 'process.versions.node')" "ENV YARN_VERSION=$YARN_VERSION" \
    'ENV NODE_EXTRA_CA_CERTS=/etc/ssl/certs/ca-certificates.crt')" \
    berth-test/debian-node:20
}

# Debian's Python 3.11 with pip and venv. Like python:3.11 (whose Python is not Debian's), pip
# may install into the system site: Debian's EXTERNALLY-MANAGED marker is removed.
make_debian_python() {
  needed berth-test/debian-python:3.11 || return 0
  local root=$work/debian-python
  debian_root "$root"
  debian_install "$root" python3 python3-pip python3-venv
  rm -f "$root"/usr/lib/python3.*/EXTERNALLY-MANAGED
  ln -sf python3 "$root/usr/bin/python"
  import_image "$root" '["python3"]' "$(printf '%s\n' "ENV PATH=$DEBIAN_PATH" 'ENV LANG=C.UTF-8' \
    'ENV PYTHONUNBUFFERED=1' 'ENV PIP_BREAK_SYSTEM_PACKAGES=1' \
    'ENV PIP_CERT=/etc/ssl/certs/ca-certificates.crt')" \
    berth-test/debian-python:3.11
}

# Debian's Go 1.19 with GOPATH /go, as golang:1.19 has it. No GOPROXY/GOFLAGS: a build that needs
# modules fails as it would with the real image on a machine without the module proxy.
make_debian_go() {
  needed berth-test/debian-go:1.19 || return 0
  local root=$work/debian-go
  debian_root "$root"
  debian_install "$root" golang-go
  mkdir -p "$root/go/src" "$root/go/bin" && chmod -R 1777 "$root/go"
  import_image "$root" '["bash"]' "$(printf '%s\n' 'ENV GOPATH=/go' \
    "ENV PATH=/go/bin:/usr/lib/go/bin:$DEBIAN_PATH" 'WORKDIR /go')" \
    berth-test/debian-go:1.19
}

all=(busybox node berth-base nginx python redis debian-node debian-python debian-go)
# Arguments name the images to make (see $all); none: all of them.
targets=("$@")
[ $# -gt 0 ] || targets=("${all[@]}")
for target in "${targets[@]}"; do
  case $target in
    busybox|node|nginx|python|redis) "make_$target" ;;
    berth-base) make_berth_base ;;
    debian-node|debian-python|debian-go) "make_${target//-/_}" ;;
    *) log "unknown image: $target (${all[*]})"; exit 2 ;;
  esac
done
