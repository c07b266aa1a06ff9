#!/usr/bin/env bash
# Regenerates the benchmark tables in the READMEs (between <!-- bench:start --> and
# <!-- bench:end -->) from the JSON results they name. Usage: bash tools/bench-readme.sh
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
. "$ROOT/tools/env.sh"
cd "$ROOT/tools/bench"
exec node --conditions=source --import tsx src/readme-update.ts "$@"
