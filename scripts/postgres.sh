#!/usr/bin/env bash
# hpcgate's private PostgreSQL, for tests and development.
#
# Usage: scripts/postgres.sh up|down|status|env
#
#   up      install Debian's `postgresql` when initdb/pg_ctl are missing (timed),
#           create (once) a cluster of its own with initdb and start it with
#           pg_ctl as an unprivileged user, listening on 127.0.0.1:${HPCGATE_PG_PORT:-55432}
#           only, with its socket in its own directory; create the role and the
#           database `hpcgate` (with a generated password) and check that they
#           answer over TCP. A second `up` only checks.
#   down    stop it (fast shutdown: open sessions are ended).
#   status  say whether it runs (exit 0 if it does, 3 otherwise).
#   env     print HPCGATE_PG_URL=postgres://hpcgate:<password>@127.0.0.1:<port>/hpcgate,
#           sourceable as `set -a; . <(bash scripts/postgres.sh env); set +a`.
#
# It never touches a system instance: no pg_ctlcluster, no service enabled or
# started, nothing on port 5432; the package's own scripts are kept from
# starting its daemon while it installs (policy-rc.d), and one they started
# anyway is stopped. As root it runs the cluster as the system user
# ${HPCGATE_PG_OS_USER:-hpcgate-pg} (created when missing); as anyone else, as
# that user (then PostgreSQL must be installed already).
#
# Everything it writes lives in ${HPCGATE_PG_DIR:-/var/tmp/hpcgate-postgres}:
#   data/           the cluster (0700, the cluster's user)
#   socket/         its Unix socket (0700: only that user connects through it)
#   postgres.log    the server's log
#   password        the hpcgate role's password (0600)
#   apt.log         apt-get's output, when it installed
#
# Environment:
#   HPCGATE_PG_PORT     TCP port on 127.0.0.1       (default 55432)
#   HPCGATE_PG_DIR      state dir                   (default /var/tmp/hpcgate-postgres)
#   HPCGATE_PG_OS_USER  the cluster's Unix user     (default hpcgate-pg; root only)
#   HPCGATE_PG_BINDIR   PostgreSQL's bin directory  (default the newest /usr/lib/postgresql/*/bin)
# shellcheck source-path=SCRIPTDIR # lets `shellcheck -x` follow the sourced part
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C

PG_PORT="${HPCGATE_PG_PORT:-55432}"
STATE_DIR="${HPCGATE_PG_DIR:-/var/tmp/hpcgate-postgres}"
DATA_DIR="$STATE_DIR/data"
SOCKET_DIR="$STATE_DIR/socket"
PG_LOG="$STATE_DIR/postgres.log"
PASSWORD_FILE="$STATE_DIR/password"
APT_LOG="$STATE_DIR/apt.log"
# The settings `up` owns, included from the cluster's postgresql.conf.
CONF_NAME=hpcgate.conf
DB_NAME=hpcgate
DB_ROLE=hpcgate
PACKAGES=(postgresql)
WAIT_SECONDS=60

if [[ $(id -u) -eq 0 ]]; then
  PG_OS_USER="${HPCGATE_PG_OS_USER:-hpcgate-pg}"
else
  PG_OS_USER="$(id -un)"
fi

POSTGRES_HOME="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/postgres"
# shellcheck source=postgres/lib.sh
. "$POSTGRES_HOME/lib.sh"

# ---------------------------------------------------------------- commands

cmd_up() {
  local t_all t_up
  t_all=$(now)
  [[ "$PG_PORT" =~ ^[0-9]+$ && "$PG_PORT" -ge 1024 && "$PG_PORT" -le 65535 ]] ||
    die "HPCGATE_PG_PORT must be a port number from 1024 to 65535, not '$PG_PORT'"
  [[ "$PG_PORT" != 5432 ]] || die "port 5432 is the system instance's; choose another HPCGATE_PG_PORT"
  install_postgres
  t_up=$(now)
  setup_os_user
  setup_dirs
  init_cluster
  write_config
  start_cluster
  setup_database
  check_login
  log "install: $INSTALL_TIME; bring-up: $(elapsed "$t_up") s; total: $(elapsed "$t_all") s"
  # The password stays out of the output (it lands in logs): `env` prints it for whoever sources it.
  log "PostgreSQL $(pg_version) is up on 127.0.0.1:$PG_PORT (data in $DATA_DIR); connection: bash scripts/postgres.sh env"
}

cmd_down() {
  find_bindir || die "PostgreSQL is not installed: nothing to stop"
  if ! server_pid >/dev/null; then
    log "not running"
    return 0
  fi
  if ! as_pg "$PG_BINDIR/pg_ctl" -D "$DATA_DIR" -m fast -w -t "$WAIT_SECONDS" stop >/dev/null 2>>"$PG_LOG"; then
    fail_component "pg_ctl stop" "$PG_LOG" "the server did not stop"
  fi
  log "stopped"
}

cmd_status() {
  local pid
  if pid=$(server_pid); then
    log "running (pid $pid) on 127.0.0.1:$PG_PORT, data in $DATA_DIR"
    return 0
  fi
  # Another user's cluster (its data dir is unreadable here): ask the port.
  if find_bindir && "$PG_BINDIR/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT"; then
    log "a server answers on 127.0.0.1:$PG_PORT (its data dir $DATA_DIR is not readable here)"
    return 0
  fi
  log "not running (data dir $DATA_DIR, port $PG_PORT)"
  return 3
}

main() {
  case "${1:-}" in
    up)
      take_lock
      cmd_up
      ;;
    down)
      take_lock
      cmd_down
      ;;
    status) cmd_status ;;
    env) print_env ;;
    *)
      echo "usage: $0 up|down|status|env" >&2
      exit 2
      ;;
  esac
}

main "$@"
