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
jwks=$(node scripts/dev-token.mjs --jwks)
config=.hpcgate/gateway.json
cat > "$config" <<JSON
{
  "listen": { "host": "127.0.0.1", "port": ${port} },
  "auth": {
    "issuer": "http://127.0.0.1/hpcgate-dev",
    "audience": "hpcgate",
    "jwksFile": "${jwks}",
    "ownerClaim": "sub"
  },
  "store": { "sqlitePath": ".hpcgate/gateway.db" },
  "systems": [
    {
      "id": "${HPCGATE_CLUSTER:-sandbox}",
      "host": "${HPCGATE_SSH_HOST}",
      "port": ${HPCGATE_SSH_PORT:-22},
      "user": "${HPCGATE_SSH_USER}",
      "privateKeyPath": "${HPCGATE_SSH_KEY}",
      "partitions": ["${HPCGATE_SLURM_PARTITION:-debug}"],
      "finishedJobSource": "${HPCGATE_FINISHED_JOB_SOURCE:-jobcomp}"
    }
  ]
}
JSON
url="http://127.0.0.1:${port}"
cat >&2 <<EOT
hpcgate: gateway config written to $config; starting the gateway on $url
  health:   curl $url/healthz
  sign in:  export HPCGATE_URL=$url HPCGATE_TOKEN=\$(node scripts/dev-token.mjs demo)
  submit:   curl -s -H "Authorization: Bearer \$HPCGATE_TOKEN" -H 'content-type: application/json' \\
              -d '{"name":"hello","execSystemId":"${HPCGATE_CLUSTER:-sandbox}","command":"echo hello; sleep 30"}' \\
              $url/v3/jobs/submit
  API:      $url/openapi.json
EOT
exec node packages/gateway/dist/server.js "$config"
