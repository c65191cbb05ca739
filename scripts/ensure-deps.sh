#!/usr/bin/env bash
# Installs the npm dependencies from the lockfile when they are missing or older than it.
set -euo pipefail
cd "$(dirname "$0")/.."
stamp=node_modules/.package-lock.json
if [ ! -f "$stamp" ] || [ package-lock.json -nt "$stamp" ]; then
  echo "hpcgate: installing npm dependencies from package-lock.json…" >&2
  start=$(date +%s)
  # Not `npm ci`: npm 11 leaves other platforms' optional packages (biome, turbo binaries) out of
  # the lockfile and then `npm ci` refuses it as out of sync. `npm install` installs the locked
  # versions all the same.
  npm install --no-audit --no-fund --loglevel=error
  echo "hpcgate: dependencies installed in $(( $(date +%s) - start )) s" >&2
fi
