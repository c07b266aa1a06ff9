#!/usr/bin/env bash
# CRI benchmark (not part of the test command): private runtimes side by side.
# Usage: bash tools/bench-cri.sh [rounds=20] [density=100] [--rounds N] [--density N]
#   [--concurrency 8] [--json FILE] [--readme] [--shim-from dist|source]  (see src/cri-bench.ts)
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
export CAPSTAN_BENCH_CWD="$PWD"
cd "$ROOT/tools/bench"
exec node --conditions=source --import tsx src/cri-bench.ts "$@"
