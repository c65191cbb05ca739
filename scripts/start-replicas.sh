#!/usr/bin/env bash
# `npm run start:replicas`: as `npm start`, but three gateway replicas on one PostgreSQL
# (docs/replicas.md): dependencies, the sandbox cluster, the private PostgreSQL server, a build,
# the development sign-in, then replicas r1, r2, r3 on 127.0.0.1:8091, 8092 and 8093, in the
# foreground until Ctrl-C, which stops them all (and PostgreSQL, if this script started it).
#
# Environment:
#   HPCGATE_REPLICA_PORTS  the replicas' ports, one replica each  (default "8091 8092 8093")
#   HPCGATE_OIDC_PORT      the development sign-in's port         (default 8081)
#   HPCGATE_PG_SCHEMA      the replicas' schema in the database   (default hpcgate_replicas)
#
# A replica that exits (kill -9 one to watch another take its leases over) leaves the others
# running; the banner says how to start it again.
# shellcheck source-path=SCRIPTDIR # lets `shellcheck -x` follow the sourced part
set -euo pipefail
cd "$(dirname "$0")/.."
export TURBO_TELEMETRY_DISABLED=1 DO_NOT_TRACK=1
bash scripts/ensure-deps.sh
. scripts/cluster-env.sh
# shellcheck source=lib/gateway-config.sh
. scripts/lib/gateway-config.sh

read -r -a ports <<<"${HPCGATE_REPLICA_PORTS:-8091 8092 8093}"
oidc_port="${HPCGATE_OIDC_PORT:-8081}"
schema="${HPCGATE_PG_SCHEMA:-hpcgate_replicas}"
[[ "$schema" =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || {
  echo "hpcgate: HPCGATE_PG_SCHEMA must be a-z, 0-9 and _ (not '$schema')" >&2
  exit 1
}

# Someone else's server (the tests', another session's) stays up when this script ends.
pg_was_up=no
if bash scripts/postgres.sh status >/dev/null 2>&1; then pg_was_up=yes; fi
bash scripts/postgres.sh up
pg_url=$(bash scripts/postgres.sh env | sed -n 's/^HPCGATE_PG_URL=//p')
[[ -n "$pg_url" ]] || { echo "hpcgate: scripts/postgres.sh env printed no HPCGATE_PG_URL" >&2; exit 1; }

npx --no-install turbo run build --filter=@hpcgate/gateway... --filter=@hpcgate/dev-oidc \
  --filter=hpcgate... --output-logs=errors-only
mkdir -p .hpcgate

gateway_pids=()
stop_all() {
  kill "${gateway_pids[@]}" "$DEV_OIDC_PID" 2>/dev/null || true
  wait "${gateway_pids[@]}" "$DEV_OIDC_PID" 2>/dev/null || true
  if [[ "$pg_was_up" == no ]]; then bash scripts/postgres.sh down >/dev/null 2>&1 || true; fi
}

dev_oidc_start "$oidc_port" .hpcgate/dev-oidc.log
issuer=$DEV_OIDC_ISSUER
trap stop_all EXIT
trap 'exit 130' INT TERM

# One config per replica: its port, its id, its log file, and the same store for all. The
# configs hold the database's password: only this user reads them.
store=$(node -e 'console.log(JSON.stringify({ postgres: { url: process.argv[1], schema: process.argv[2] } }))' \
  "$pg_url" "$schema")
for n in "${!ports[@]}"; do
  id="r$((n + 1))"
  (umask 077 && gateway_config "${ports[$n]}" "$issuer" "$store" \
    "\"logFile\": \".hpcgate/replica-${id}.log\", \"replicas\": { \"id\": \"${id}\" }" \
    >".hpcgate/replica-${id}.json")
done

# Started one after the other: the first applies the schema's migrations, the others find them.
for n in "${!ports[@]}"; do
  id="r$((n + 1))"
  node packages/gateway/dist/server.js ".hpcgate/replica-${id}.json" >>".hpcgate/replica-${id}.log" 2>&1 &
  gateway_pids+=($!)
  ready=no
  for _ in $(seq 300); do
    if node -e 'fetch(process.argv[1]).then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))' \
      "http://127.0.0.1:${ports[$n]}/readyz"; then
      ready=yes
      break
    fi
    kill -0 "${gateway_pids[$n]}" 2>/dev/null || break
    sleep 0.1
  done
  if [[ "$ready" == no ]]; then
    echo "hpcgate: replica ${id} (port ${ports[$n]}) did not become ready; the end of .hpcgate/replica-${id}.log:" >&2
    tail -n 20 ".hpcgate/replica-${id}.log" >&2
    exit 1
  fi
done

first="http://127.0.0.1:${ports[0]}"
{
  echo "hpcgate: ${#ports[@]} gateway replicas on PostgreSQL (127.0.0.1:${HPCGATE_PG_PORT:-55432}, schema ${schema}), signing in through ${issuer}:"
  for n in "${!ports[@]}"; do
    id="r$((n + 1))"
    echo "  ${id}: http://127.0.0.1:${ports[$n]}  pid ${gateway_pids[$n]}  config .hpcgate/replica-${id}.json  log .hpcgate/replica-${id}.log"
  done
  cat <<EOT
  leases:   curl -s $first/readyz   (replica, leases: who polls the cluster, who feeds webhooks)
  metrics:  curl -s $first/metrics | grep hpcgate_lease_held
  failover: kill -9 <pid>; start it again with node packages/gateway/dist/server.js .hpcgate/replica-<id>.json
  web page: open $first/ (any replica) and sign in (user demo, password demo)
EOT
  sign_in_help "$first" "$issuer"
} >&2

# In the foreground until every replica has exited (or Ctrl-C).
while [[ ${#gateway_pids[@]} -gt 0 ]]; do
  exited=
  if wait -n -p exited "${gateway_pids[@]}"; then status=0; else status=$?; fi
  [[ -n "$exited" ]] || break
  echo "hpcgate: the replica with pid ${exited} exited (status ${status}); the others go on" >&2
  remaining=()
  for pid in "${gateway_pids[@]}"; do [[ "$pid" == "$exited" ]] || remaining+=("$pid"); done
  gateway_pids=("${remaining[@]}")
done
