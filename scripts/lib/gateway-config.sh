# shellcheck shell=bash
# Sourced by scripts/start.sh (`npm start`) and scripts/start-replicas.sh (`npm run start:replicas`):
# the development sign-in both run, and the gateway config both write for the cluster that
# scripts/cluster-env.sh exported (HPCGATE_SSH_HOST, HPCGATE_SSH_HOST_KEYS, …).

# dev_oidc_start <port> <log file>
# The development sign-in: a real OIDC provider on loopback (demo users and clients), in the
# background. Sets DEV_OIDC_PID and DEV_OIDC_ISSUER and returns once its discovery document answers
# (or after 10 s); until the caller sets its own, an EXIT trap stops it.
dev_oidc_start() {
  local port="$1" log="$2"
  DEV_OIDC_ISSUER="http://127.0.0.1:${port}"
  node packages/dev-oidc/dist/main.js --port "$port" >"$log" 2>&1 &
  DEV_OIDC_PID=$!
  trap 'kill $DEV_OIDC_PID 2>/dev/null' EXIT
  for _ in $(seq 100); do
    node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "$DEV_OIDC_ISSUER/.well-known/openid-configuration" && break
    kill -0 "$DEV_OIDC_PID" 2>/dev/null || { cat "$log" >&2; exit 1; }
    sleep 0.1
  done
}

# gateway_config <port> <issuer> <store JSON> [<more top-level members, JSON>]
# Prints the gateway's config: listening on 127.0.0.1:<port>, signing in through <issuer> (the
# gateway checks its tokens like any provider's, through discovery and its JWKS), keeping its
# jobs in <store> (the `store` section), with the web page and metrics on and the cluster as its
# one system. The last argument, when given, is added as is after `metrics`: `"logFile": …` say.
gateway_config() {
  local port="$1" issuer="$2" store="$3" more="${4:-}" host_keys
  # The sandbox's host keys, pinned: the gateway refuses any other key on that port.
  host_keys=$(node -e 'console.log(JSON.stringify(process.argv[1].split(",").filter(Boolean)))' \
    "${HPCGATE_SSH_HOST_KEYS:?the host key fingerprints of the cluster (HPCGATE_SSH_HOST_KEYS) are not set}")
  # Who runs as whom: the dev provider's users alice, bob and demo as the Unix accounts of the same
  # name, the automation client as the bot account hpcbot; admin has no account (403 on submit).
  cat <<JSON
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
  "store": ${store},
  "web": { "clientId": "hpcgate-web" },
  "metrics": { "enabled": true },${more:+
  ${more},}
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
}

# sign_in_help <gateway URL> <issuer>
# How to sign in and a first request, for the banner each script prints.
sign_in_help() {
  local url="$1" issuer="$2" system="${HPCGATE_CLUSTER:-sandbox}"
  cat <<EOT
  sign in (a person: device flow; open the printed link, user demo, password demo):
            export HPCGATE_URL=$url HPCGATE_SYSTEM=$system
            node packages/cli/dist/bin.js login --issuer $issuer
            node packages/cli/dist/bin.js whoami
  sign in (a script, client credentials):
            export HPCGATE_URL=$url HPCGATE_TOKEN=\$(curl -s -u hpcgate-automation:hpcgate-automation-secret \\
              -d grant_type=client_credentials $issuer/token | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  submit:   curl -s -H "Authorization: Bearer \$HPCGATE_TOKEN" -H 'content-type: application/json' \\
              -d '{"name":"hello","execSystemId":"$system","command":"echo hello; sleep 30"}' \\
              $url/v3/jobs/submit
  API:      $url/openapi.json
EOT
}
