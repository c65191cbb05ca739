#!/usr/bin/env bash
# `npm start`: dependencies, the sandbox cluster, a build, then the gateway in the foreground.
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
npx --no-install turbo run build --filter=@hpcgate/gateway... --filter=@hpcgate/dev-oidc \
  --filter=hpcgate... --output-logs=errors-only

port="${HPCGATE_PORT:-8080}"
oidc_port="${HPCGATE_OIDC_PORT:-8081}"
issuer="http://127.0.0.1:${oidc_port}"
mkdir -p .hpcgate

# The development sign-in: a real OIDC provider on loopback (demo users and clients), stopped with
# the gateway. The gateway checks its tokens like any provider's, through discovery and its JWKS.
node packages/dev-oidc/dist/main.js --port "$oidc_port" > .hpcgate/dev-oidc.log 2>&1 &
oidc_pid=$!
trap 'kill $oidc_pid 2>/dev/null' EXIT
for _ in $(seq 100); do
  node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
    "$issuer/.well-known/openid-configuration" && break
  kill -0 $oidc_pid 2>/dev/null || { cat .hpcgate/dev-oidc.log >&2; exit 1; }
  sleep 0.1
done
config=.hpcgate/gateway.json
# The sandbox's host keys, pinned: the gateway refuses any other key on that port.
host_keys=$(node -e 'console.log(JSON.stringify(process.argv[1].split(",").filter(Boolean)))' \
  "${HPCGATE_SSH_HOST_KEYS:?the host key fingerprints of the cluster (HPCGATE_SSH_HOST_KEYS) are not set}")
# Who runs as whom: the dev provider's users alice, bob and demo as the Unix accounts of the same
# name, the automation client as the bot account hpcbot; admin has no account (403 on submit).
cat > "$config" <<JSON
{
  "listen": { "host": "127.0.0.1", "port": ${port} },
  "auth": {
    "issuer": "${issuer}",
    "discovery": true,
    "audience": "hpcgate",
    "ownerClaim": "preferred_username",
    "adminClaim": "groups",
    "adminValue": "hpcgate-admins"
  },
  "store": { "sqlitePath": ".hpcgate/gateway.db" },
  "web": { "clientId": "hpcgate-web" },
  "metrics": { "enabled": true },
  "systems": [
    {
      "id": "${HPCGATE_CLUSTER:-sandbox}",
      "host": "${HPCGATE_SSH_HOST}",
      "port": ${HPCGATE_SSH_PORT:-22},
      "hostKey": { "fingerprints": ${host_keys} },
      "user": "${HPCGATE_SSH_USER}",
      "privateKeyPath": "${HPCGATE_SSH_KEY}",
      "userKeysDir": "${HPCGATE_SSH_USER_KEYS}",
      "accounts": {
        "table": { "hpcgate-automation": "hpcbot" },
        "sameName": true
      },
      "partitions": ["${HPCGATE_SLURM_PARTITION:-debug}"],
      "finishedJobSource": "${HPCGATE_FINISHED_JOB_SOURCE:-jobcomp}"
    }
  ]
}
JSON
url="http://127.0.0.1:${port}"
cat >&2 <<EOT
hpcgate: gateway config written to $config; starting the gateway on $url
  web page: open $url/ in a browser and sign in (user demo, password demo; admin/admin sees everyone's jobs)
  health:   curl $url/healthz
  sign in (a person: device flow; open the printed link, user demo, password demo):
            export HPCGATE_URL=$url HPCGATE_SYSTEM=${HPCGATE_CLUSTER:-sandbox}
            node packages/cli/dist/bin.js login --issuer $issuer
            node packages/cli/dist/bin.js whoami
  sign in (a script, client credentials):
            export HPCGATE_URL=$url HPCGATE_TOKEN=\$(curl -s -u hpcgate-automation:hpcgate-automation-secret \\
              -d grant_type=client_credentials $issuer/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  submit:   curl -s -H "Authorization: Bearer \$HPCGATE_TOKEN" -H 'content-type: application/json' \\
              -d '{"name":"hello","execSystemId":"${HPCGATE_CLUSTER:-sandbox}","command":"echo hello; sleep 30"}' \\
              $url/v3/jobs/submit
  API:      $url/openapi.json
EOT
node packages/gateway/dist/server.js "$config" &
gateway_pid=$!
trap 'kill $gateway_pid $oidc_pid 2>/dev/null' EXIT INT TERM
wait $gateway_pid
