#!/usr/bin/env bash
# `npm test`: dependencies, the sandbox cluster, a browser and a private PostgreSQL, then typecheck,
# lint, build and every test; last, everything the suite printed or logged is searched for tokens
# and private keys.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
bash scripts/ensure-browser.sh
# A private PostgreSQL for the store's contract tests (installed when missing), stopped after.
bash scripts/postgres.sh up
trap 'bash scripts/postgres.sh down >/dev/null 2>&1 || true' EXIT
set -a
# shellcheck source=/dev/null
. <(bash scripts/postgres.sh env)
set +a

logs=.hpcgate/test-logs
rm -rf "$logs" && mkdir -p "$logs"
export HPCGATE_TEST_LOG_DIR="$PWD/$logs"
set +e
npx --no-install turbo run typecheck lint build test --log-order=grouped "$@" 2>&1 | tee "$logs/suite.log"
status=${PIPESTATUS[0]}
# Last and alone: the test that kills and restarts the sandbox's controller.
if [ "$status" -eq 0 ]; then
  npm run --silent test:chaos -w @hpcgate/gateway 2>&1 | tee "$logs/chaos.log"
  status=${PIPESTATUS[0]}
fi
set -e

# A JWT is three base64url parts, the first two starting with eyJ ('{"').
if grep -rElq 'eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.|PRIVATE KEY-----' "$logs"; then
  echo "hpcgate: a token or a private key appears in the test logs:" >&2
  grep -rEl 'eyJ[A-Za-z0-9_-]{10,}\.eyJ[A-Za-z0-9_-]{10,}\.|PRIVATE KEY-----' "$logs" >&2
  exit 1
fi
exit "$status"
