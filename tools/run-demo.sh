#!/usr/bin/env bash
# The main job (after tools/setup.sh): a private registry, dockerd, the Capstan docker-shim
# and the Capstan node agent running a demo static web pod; prints its status, its URL and
# kubectl commands. Ctrl-C stops everything and removes what it made.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
cd "$ROOT/tools/demo"
exec node --conditions=source --import tsx src/main.ts "$@"
