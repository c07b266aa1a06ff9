#!/usr/bin/env bash
# Node agent benchmark (not part of the test command). Usage: bash tools/bench-agent.sh [pods=100] [rounds=10]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
cd "$ROOT/tools/bench"
exec node --conditions=source --import tsx src/agent-bench.ts "$@"
