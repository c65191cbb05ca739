#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile when they are missing or older than it.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "hpcgate: installing npm dependencies (npm ci)…" >&2
  start=$(date +%s)
  npm ci --no-audit --no-fund --loglevel=error
  echo "hpcgate: dependencies installed in $(( $(date +%s) - start )) s" >&2
fi
