#!/usr/bin/env bash
# The whole test command: formatter and linter, import rules, type check, the web build, then
# every test suite (unit, real-server, end-to-end in Debian's Chromium) — run in an odd time zone
# (+05:45) so a hidden local-time assumption fails.
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
bash scripts/ensure-debian-packages.sh
echo "== biome (format + lint)"
npx biome check .
echo "== import rules"
node scripts/check-imports.mjs
echo "== import circles"
node scripts/check-cycles.mjs
echo "== tsc (type check)"
npx tsc -p tsconfig.json --noEmit
echo "== web build"
npm run build:web --silent
echo "== vitest (TZ=Asia/Kathmandu)"
TZ=Asia/Kathmandu npx vitest run "$@"
