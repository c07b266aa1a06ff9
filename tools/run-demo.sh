#!/usr/bin/env bash
# The main job (after tools/setup.sh). Until apps/node-agent exists this runs the most
# complete thing Capstan has: a demo pod through the CRI client against a private containerd.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
cd "$ROOT"
exec pnpm --silent --filter @capstan/demo start
