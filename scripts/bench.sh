#!/usr/bin/env bash
# `npm run bench`: benchmarks against the sandbox cluster (and the page in Chromium, the stores on
# SQLite and PostgreSQL), each printing ratios to a baseline measured in the same run.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
bash scripts/ensure-browser.sh
bash scripts/postgres.sh up
trap 'bash scripts/postgres.sh down >/dev/null 2>&1 || true' EXIT
set -a
# shellcheck source=/dev/null
. <(bash scripts/postgres.sh env)
set +a
# Every figure is a ratio to a baseline of the same run: the machine it ran on comes first.
echo "bench: $(date -u +%Y-%m-%dT%H:%MZ) on $(hostname -s): $(nproc) CPUs, $(awk '/MemTotal/ {printf "%.1f GiB", $2/1048576}' /proc/meminfo), node $(node --version)"
echo "uptime: $(uptime)"
npx --no-install turbo run bench --concurrency=1 "$@"
