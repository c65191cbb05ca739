#!/usr/bin/env bash
# `npm start`: dependencies, the sandbox cluster, a build, then the gateway in the foreground.
# shellcheck source-path=SCRIPTDIR # lets `shellcheck -x` follow the sourced part
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
# shellcheck source=lib/gateway-config.sh
. scripts/lib/gateway-config.sh
npx --no-install turbo run build --filter=@hpcgate/gateway... --filter=@hpcgate/dev-oidc \
  --filter=hpcgate... --output-logs=errors-only

port="${HPCGATE_PORT:-8080}"
oidc_port="${HPCGATE_OIDC_PORT:-8081}"
mkdir -p .hpcgate

# The development sign-in, stopped with the gateway.
dev_oidc_start "$oidc_port" .hpcgate/dev-oidc.log
oidc_pid=$DEV_OIDC_PID
issuer=$DEV_OIDC_ISSUER
config=.hpcgate/gateway.json
gateway_config "$port" "$issuer" '{ "sqlitePath": ".hpcgate/gateway.db" }' > "$config"
url="http://127.0.0.1:${port}"
cat >&2 <<EOT
hpcgate: gateway config written to $config; starting the gateway on $url
  web page: open $url/ in a browser and sign in (user demo, password demo; admin/admin sees everyone's jobs)
  health:   curl $url/healthz
EOT
sign_in_help "$url" "$issuer" >&2
node packages/gateway/dist/server.js "$config" &
gateway_pid=$!
trap 'kill $gateway_pid $oidc_pid 2>/dev/null' EXIT INT TERM
wait $gateway_pid
