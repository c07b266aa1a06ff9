#!/usr/bin/env bash
# The fault campaign (not part of the test command; a short version is: tools/chaos/test).
# Usage: bash tools/chaos.sh --runtime docker|containerd [--rounds 50] [--seed 1]
#   [--load-seconds 60] [--load-clients 20] [--json FILE]   (see tools/chaos/src/main.ts)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
export CAPSTAN_CHAOS_CWD="$PWD"
cd "$ROOT/tools/chaos"
exec node --conditions=source --import tsx src/main.ts "$@"
