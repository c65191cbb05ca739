#!/usr/bin/env bash
# `npm start`: dependencies, the sandbox cluster, a build, then the gateway in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
npx --no-install turbo run build --filter=@hpcgate/gateway... --output-logs=errors-only

port="${HPCGATE_PORT:-8080}"
mkdir -p .hpcgate
config=.hpcgate/gateway.json
cat > "$config" <<JSON
{
  "listen": { "host": "127.0.0.1", "port": ${port} },
  "systems": [
    {
      "id": "${HPCGATE_CLUSTER:-sandbox}",
      "host": "${HPCGATE_SSH_HOST}",
      "port": ${HPCGATE_SSH_PORT:-22},
      "user": "${HPCGATE_SSH_USER}",
      "privateKeyPath": "${HPCGATE_SSH_KEY}",
      "partitions": ["${HPCGATE_SLURM_PARTITION:-debug}"]
    }
  ]
}
JSON
echo "hpcgate: gateway config written to $config" >&2
echo "hpcgate: gateway listening on http://127.0.0.1:${port}  (try: curl http://127.0.0.1:${port}/healthz)" >&2
exec node packages/gateway/dist/server.js "$config"
