# shellcheck shell=bash
# Sourced by scripts/postgres.sh: messages, the package, the cluster's user and
# directories, initdb, the config, pg_ctl, the role and database, `env`.

LOG_TAG=postgres
# shellcheck source=scripts/lib/messages.sh
. "$(dirname "${BASH_SOURCE[0]}")/../lib/messages.sh"

is_root() { [[ $(id -u) -eq 0 ]]; }

# Run a command as the cluster's user, from / (its tools warn about a cwd they cannot read),
# without the lock's descriptor: a server started with it would hold the lock for its life.
as_pg() {
  if is_root; then
    (cd / && runuser -u "$PG_OS_USER" -- "$@") 9>&-
  else
    (cd / && "$@") 9>&-
  fi
}

# Serialize concurrent up/down runs (several test runs at once).
take_lock() {
  ensure_state_dir
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$STATE_DIR/.lock"
  flock -w 300 9 || die "another '$0' run holds $STATE_DIR/.lock for more than 300 s"
}

# The state dir, refusing one somebody else made (it may sit in a world-writable /var/tmp).
ensure_state_dir() {
  local owner
  if [[ ! -d "$STATE_DIR" ]]; then
    mkdir -p "$STATE_DIR" || die "cannot create $STATE_DIR"
  fi
  owner=$(stat -c %u "$STATE_DIR")
  [[ "$owner" == "$(id -u)" ]] ||
    die "$STATE_DIR belongs to uid $owner, not to $(id -un): remove it or set HPCGATE_PG_DIR"
  chmod 0755 "$STATE_DIR"
}

# ---------------------------------------------------------------- the package

# PG_BINDIR: HPCGATE_PG_BINDIR, else the newest /usr/lib/postgresql/<ver>/bin with the tools.
PG_BINDIR=""
find_bindir() {
  local d best="" v bestv=0
  if [[ -n "${HPCGATE_PG_BINDIR:-}" ]]; then
    d="$HPCGATE_PG_BINDIR"
    [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" ]] ||
      die "HPCGATE_PG_BINDIR=$d has no initdb, pg_ctl and postgres"
    PG_BINDIR="$d"
    return 0
  fi
  for d in /usr/lib/postgresql/*/bin; do
    [[ -x "$d/initdb" && -x "$d/pg_ctl" && -x "$d/postgres" && -x "$d/psql" ]] || continue
    v=$(basename "$(dirname "$d")")
    [[ "$v" =~ ^[0-9]+$ ]] || continue
    if ((v > bestv)); then
      bestv=$v
      best=$d
    fi
  done
  [[ -n "$best" ]] || return 1
  PG_BINDIR="$best"
}

# `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → 15.18
pg_version() { "$PG_BINDIR/postgres" --version | awk '{ print $3 }'; }

postmaster_pids() { pgrep -x postgres 2>/dev/null || true; }

POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY_RC=0
cleanup_policy_rc() {
  if [[ $CREATED_POLICY_RC -eq 1 ]]; then
    rm -f "$POLICY_RC"
    CREATED_POLICY_RC=0
  fi
}

INSTALL_TIME=""
install_postgres() {
  local t0 before pid
  if find_bindir; then
    INSTALL_TIME="already installed"
    log "PostgreSQL $(pg_version): already installed ($PG_BINDIR)"
    return 0
  fi
  is_root || die "PostgreSQL is not installed and installing it needs root: run 'sudo bash $0 up', or install Debian's postgresql package"
  command -v apt-get >/dev/null 2>&1 ||
    die "PostgreSQL is not installed and this is not a Debian/Ubuntu system (no apt-get): install PostgreSQL and set HPCGATE_PG_BINDIR"
  t0=$(now)
  log "installing: ${PACKAGES[*]}"
  # Keep the package's scripts from starting the system cluster (no systemd here: they would
  # fall back to init.d).
  if [[ ! -e "$POLICY_RC" ]]; then
    printf '#!/bin/sh\n# temporary, created by hpcgate scripts/postgres.sh\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
    CREATED_POLICY_RC=1
    trap cleanup_policy_rc EXIT
  fi
  before=" $(postmaster_pids | tr '\n' ' ') "
  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  : >"$APT_LOG"
  if apt_lists_empty ||
    ! apt-get install "${apt_opts[@]}" "${PACKAGES[@]}" >>"$APT_LOG" 2>&1; then
    log "running apt-get update"
    if ! apt-get update -q >>"$APT_LOG" 2>&1 ||
      ! apt-get install "${apt_opts[@]}" "${PACKAGES[@]}" >>"$APT_LOG" 2>&1; then
      cleanup_policy_rc
      fail_component "apt-get install" "$APT_LOG" "could not install ${PACKAGES[*]}"
    fi
  fi
  cleanup_policy_rc
  # A server a package script started anyway is the system's: not ours to keep running.
  for pid in $(postmaster_pids); do
    if [[ "$before" != *" $pid "* ]] && ! grep -qF "$DATA_DIR" "/proc/$pid/cmdline" 2>/dev/null; then
      warn "stopping postgres (pid $pid) started by a package script"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  find_bindir || fail_component "install" "$APT_LOG" "postgresql installed but no /usr/lib/postgresql/<ver>/bin/{initdb,pg_ctl,postgres,psql}"
  INSTALL_TIME="$(elapsed "$t0") s"
  log "PostgreSQL $(pg_version) installed in $INSTALL_TIME"
}

# ---------------------------------------------------------------- the cluster

setup_os_user() {
  is_root || return 0
  getent passwd "$PG_OS_USER" >/dev/null && return 0
  useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin "$PG_OS_USER" ||
    die "cannot create the system user $PG_OS_USER"
  log "created the system user $PG_OS_USER"
}

setup_dirs() {
  local d
  for d in "$DATA_DIR" "$SOCKET_DIR"; do
    if [[ ! -d "$d" ]]; then
      mkdir -m 0700 "$d" || die "cannot create $d"
    fi
    if is_root; then chown "$PG_OS_USER:" "$d"; fi
    chmod 0700 "$d"
  done
  if [[ ! -e "$PG_LOG" ]]; then : >"$PG_LOG"; fi
  if is_root; then chown "$PG_OS_USER:" "$PG_LOG"; fi
  chmod 0600 "$PG_LOG"
  if [[ ! -s "$PASSWORD_FILE" ]]; then
    (umask 077 && od -An -N16 -tx1 /dev/urandom | tr -d ' \n' >"$PASSWORD_FILE") ||
      die "cannot write $PASSWORD_FILE"
  fi
  chmod 0600 "$PASSWORD_FILE"
}

init_cluster() {
  local initlog="$STATE_DIR/initdb.log"
  if [[ -s "$DATA_DIR/PG_VERSION" ]]; then
    local have
    have=$(cat "$DATA_DIR/PG_VERSION")
    [[ "$have" == "$(pg_version | cut -d. -f1)" ]] ||
      die "$DATA_DIR holds a PostgreSQL $have cluster but $PG_BINDIR is $(pg_version): remove $STATE_DIR or set HPCGATE_PG_BINDIR"
    return 0
  fi
  log "creating the cluster in $DATA_DIR"
  # The superuser is the cluster's Unix user, and reaches it only through the 0700 socket
  # directory (peer); over TCP every role needs its password (scram-sha-256).
  if ! as_pg "$PG_BINDIR/initdb" -D "$DATA_DIR" -U "$PG_OS_USER" --auth-local=peer \
    --auth-host=scram-sha-256 --encoding=UTF8 --no-locale >"$initlog" 2>&1; then
    fail_component "initdb" "$initlog" "could not create the cluster in $DATA_DIR"
  fi
}

# The settings `up` owns, in their own file; postgresql.conf includes it once.
WROTE_CONFIG=0
write_config() {
  local conf="$DATA_DIR/$CONF_NAME" tmp
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
# Written by hpcgate scripts/postgres.sh on every 'up'; edits are lost.
listen_addresses = '127.0.0.1'
port = $PG_PORT
unix_socket_directories = '$SOCKET_DIR'
unix_socket_permissions = 0700
max_connections = 200
shared_buffers = 128MB
# A test and development server: a crash may lose the last commits, never consistency.
synchronous_commit = off
log_min_duration_statement = 1000
EOF
  WROTE_CONFIG=0
  if ! as_pg test -f "$conf" || ! as_pg cat "$conf" | cmp -s - "$tmp"; then
    as_pg tee "$conf" <"$tmp" >/dev/null || die "cannot write $conf"
    WROTE_CONFIG=1
  fi
  rm -f "$tmp"
  if ! as_pg grep -qxF "include '$CONF_NAME'" "$DATA_DIR/postgresql.conf"; then
    printf "\ninclude '%s'\n" "$CONF_NAME" | as_pg tee -a "$DATA_DIR/postgresql.conf" >/dev/null ||
      die "cannot write $DATA_DIR/postgresql.conf"
    WROTE_CONFIG=1
  fi
}

# The server's pid, if ours runs (postmaster.pid names a live postgres); else fails.
server_pid() {
  local pid comm
  pid=$(as_pg head -n 1 "$DATA_DIR/postmaster.pid" 2>/dev/null | tr -dc '0-9') || return 1
  [[ -n "$pid" ]] || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ "$comm" == postgres ]] || return 1
  printf '%s' "$pid"
}

start_cluster() {
  local pid
  if pid=$(server_pid); then
    if [[ $WROTE_CONFIG -eq 1 ]]; then
      log "settings changed: restarting (pid $pid)"
      as_pg "$PG_BINDIR/pg_ctl" -D "$DATA_DIR" -l "$PG_LOG" -m fast -w -t "$WAIT_SECONDS" restart >/dev/null ||
        fail_component "pg_ctl restart" "$PG_LOG" "the server did not restart"
    else
      log "already running (pid $pid)"
      return 0
    fi
  else
    if port_in_use; then
      die "127.0.0.1:$PG_PORT is taken by another program: stop it or set HPCGATE_PG_PORT"
    fi
    log "starting on 127.0.0.1:$PG_PORT"
    as_pg "$PG_BINDIR/pg_ctl" -D "$DATA_DIR" -l "$PG_LOG" -w -t "$WAIT_SECONDS" start >/dev/null 2>&1 ||
      fail_component "pg_ctl start" "$PG_LOG" "the server did not start"
  fi
  server_pid >/dev/null || fail_component "pg_ctl start" "$PG_LOG" "pg_ctl said started, but no server runs"
}

port_in_use() {
  (exec 3<>"/dev/tcp/127.0.0.1/$PG_PORT") 2>/dev/null
}

# psql as the superuser, through the socket; the SQL on stdin, NAME=VALUE as psql variables.
psql_super() {
  local args=() v
  for v in "$@"; do args+=(-v "$v"); done
  as_pg "$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -h "$SOCKET_DIR" -p "$PG_PORT" -d postgres "${args[@]}"
}

# True when the role logs in over TCP with its password and finds its database.
can_login() {
  PGPASSWORD="$(cat "$PASSWORD_FILE")" PGCONNECT_TIMEOUT=5 "$PG_BINDIR/psql" -X -q -At \
    -h 127.0.0.1 -p "$PG_PORT" -U "$DB_ROLE" -d "$DB_NAME" -c 'SELECT 1' 2>/dev/null | grep -qx 1
}

setup_database() {
  local out="$STATE_DIR/psql.log"
  if can_login; then
    log "role and database $DB_NAME: present"
    return 0
  fi
  log "creating the role and the database $DB_NAME"
  # psql variables, quoted by psql (:'pw', :"role"): no value is pasted into the SQL.
  if ! psql_super "role=$DB_ROLE" "db=$DB_NAME" "pw=$(cat "$PASSWORD_FILE")" >"$out" 2>&1 <<'SQL'; then
SELECT format('CREATE ROLE %I LOGIN', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'pw';
SELECT format('CREATE DATABASE %I OWNER %I', :'db', :'role')
  WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'db') \gexec
SQL
    fail_component "psql" "$out" "could not create the role and database $DB_NAME"
  fi
}

check_login() {
  can_login || fail_component "login" "$PG_LOG" "$DB_ROLE cannot log in to $DB_NAME over 127.0.0.1:$PG_PORT"
}

# ---------------------------------------------------------------- env

print_env() {
  [[ -r "$PASSWORD_FILE" ]] || die "no $PASSWORD_FILE (readable by $(id -un)): run 'bash scripts/postgres.sh up' first"
  printf 'HPCGATE_PG_URL=postgres://%s:%s@127.0.0.1:%s/%s\n' "$DB_ROLE" "$(cat "$PASSWORD_FILE")" "$PG_PORT" "$DB_NAME"
}
