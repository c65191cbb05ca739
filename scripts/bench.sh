#!/usr/bin/env bash
# `npm run bench`: benchmarks against the sandbox cluster, each printing ratios to a baseline
# measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
npx --no-install turbo run bench --concurrency=1 "$@"
