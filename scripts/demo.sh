#!/usr/bin/env bash
# Runs the demo on a fresh clone: installs dependencies when missing, makes sure a Temporal CLI exists (building
# v1.5.1 with `go install` once, outside the repository), then restores the example snapshot end to end.
# Pass --fail to see a failed restore.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  npm ci --no-audit --no-fund
fi
exec npx tsx scripts/demo.ts "$@"
