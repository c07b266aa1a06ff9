#!/usr/bin/env bash
# Node agent benchmark (not part of the test command).
# Usage: bash tools/bench-agent.sh [burst=100] [rounds=10] [--pods 0,100,250] [--json FILE]
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
export CAPSTAN_BENCH_CWD="$PWD"
cd "$ROOT/tools/bench"
exec node --conditions=source --import tsx src/agent-bench.ts "$@"
