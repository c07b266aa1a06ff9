#!/usr/bin/env bash
# Runs every check and every test of the workspace (after tools/setup.sh):
#   generated CRI code up to date, lint (biome), guard rails (import cycles, unused code,
#   file lengths), typecheck (nx), all vitest projects.
# Ends with one line `N passed, N failed` summed over all test runs; exits non-zero on
# any failure.
set -uo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
# shellcheck source=tools/env.sh
. "$ROOT/tools/env.sh"
cd "$ROOT"
status=0
step() { printf '\n== %s\n' "$*"; }

step "codegen: packages/cri-api/src/gen matches the .proto"
node tools/codegen/cri-proto.mjs --check || status=1

step "lint (biome)"
pnpm exec biome ci . || status=1

step "guard rails: no import cycle (dpdm), no unused file/export/dependency (knip), no long file without a reason"
pnpm run -s check:cycles || status=1
pnpm run -s check:unused || status=1
pnpm run -s check:lengths || status=1

step "typecheck (nx)"
pnpm exec nx run-many -t typecheck --outputStyle=static || status=1

step "build (nx)"
pnpm exec nx run-many -t build --outputStyle=static >/dev/null || status=1

step "tests (vitest, all projects)"
mkdir -p .tmp
rm -f .tmp/vitest.json
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json=.tmp/vitest.json
vitest_status=$?
[ $vitest_status -eq 0 ] || status=1

node tools/test-summary.mjs .tmp/vitest.json || status=1
exit $status
