#!/usr/bin/env bash
# Passes the tests on a fresh clone: installs dependencies when missing, makes sure a Temporal CLI exists
# (building v1.5.1 with `go install` once, outside the repository) and the compose-file checker, type-checks,
# lints, then runs every jest test (unit tables, the Atlas client and simulator over real sockets, the compose file
# through compose-go, workflows on a real Temporal dev server, two worker processes sharing a task queue)
# and ends with one summary line: `tests: N passed, N failed`.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
npx tsx scripts/ensure-temporal.ts >/dev/null
# The compose file is checked by compose-go, the parser docker compose itself uses (built once, outside the repo).
npx tsx scripts/compose-check.ts --ensure >/dev/null
echo "Type-checking and linting…"
npx tsc --noEmit -p tsconfig.json
npx eslint .
mkdir -p .tmp
status=0
npx jest --json --outputFile=.tmp/jest-results.json "$@" || status=$?
node -e '
  const r = require("./.tmp/jest-results.json");
  console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests ? `, ${r.numPendingTests} skipped` : ""));
' || true
exit $status
