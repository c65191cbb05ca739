#!/usr/bin/env bash
# `npm test`: dependencies, the sandbox cluster, then typecheck, lint, build and every test.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
npx --no-install turbo run typecheck lint build test --output-logs=errors-only --log-order=grouped "$@"
