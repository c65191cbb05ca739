# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the daemons' pid files and logs, starting and
# stopping them, and finding processes.

# The live pid named by a pid file, if its process has the expected name.
pid_of() {
  local pidfile="$1" name="$2" pid comm
  [[ -r "$pidfile" ]] || return 1
  pid=$(head -n 1 "$pidfile" 2>/dev/null | tr -dc '0-9') || return 1
  [[ -n "$pid" ]] || return 1
  alive "$pid" || return 1
  comm=$(cat "/proc/$pid/comm" 2>/dev/null) || return 1
  [[ "$comm" == "$name" ]] || return 1
  printf '%s' "$pid"
}

# True if the process exists and is not a zombie (PID 1 here may reap late).
alive() {
  local stat
  stat=$(cat "/proc/$1/stat" 2>/dev/null) || return 1
  stat=${stat##*) }
  [[ "${stat:0:1}" != Z ]]
}

daemon_pidfile() {
  case "$1" in
    munged) printf '%s' "$MUNGE_PID" ;;
    slurmctld) printf '%s' "$CTLD_PID" ;;
    slurmd) printf '%s' "$SLURMD_PID" ;;
    sshd) printf '%s' "$SSHD_PID" ;;
  esac
}

daemon_log() {
  case "$1" in
    munged) printf '%s' "$MUNGE_LOG" ;;
    slurmctld) printf '%s' "$CTLD_LOG" ;;
    slurmd) printf '%s' "$SLURMD_LOG" ;;
    sshd) printf '%s' "$SSHD_LOG" ;;
  esac
}

daemon_pid() { pid_of "$(daemon_pidfile "$1")" "$1"; }

# Stop a daemon named by its pid file: TERM, then KILL after a while.
stop_daemon() {
  local name="$1" pidfile pid i
  pidfile=$(daemon_pidfile "$name")
  if pid=$(daemon_pid "$name"); then
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 100; i++)); do
      alive "$pid" || break
      sleep 0.1
    done
    if alive "$pid"; then
      warn "$name (pid $pid) ignored SIGTERM; sending SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.2
    fi
    log "stopped $name (pid $pid)"
  fi
  rm -f "$pidfile"
}

# Start a daemon unless its pid file names a live process; wait for the pid file.
# Usage: start_daemon NAME COMMAND...
start_daemon() {
  local name="$1" pidfile logfile pid i
  shift
  pidfile=$(daemon_pidfile "$name")
  logfile=$(daemon_log "$name")
  if pid=$(daemon_pid "$name"); then
    log "$name already running (pid $pid)"
    return 0
  fi
  rm -f "$pidfile"
  # fd 9 is the lock of this script: a daemon must not inherit it.
  if ! "$@" </dev/null >>"$logfile" 2>&1 9>&-; then
    fail_component "$name" "$logfile" "failed to start ($*)"
  fi
  for ((i = 0; i < 100; i++)); do
    if pid=$(daemon_pid "$name"); then
      log "started $name (pid $pid)"
      return 0
    fi
    sleep 0.1
  done
  fail_component "$name" "$logfile" "did not come up (no live process in $pidfile)"
}

# Pids of all processes named like one of our daemons (whoever started them).
list_daemon_pids() {
  local d
  for d in "${DAEMONS[@]}"; do pgrep -x "$d" || true; done
}

# Live (non-zombie) processes of a user.
user_pids() {
  local pid
  for pid in $(pgrep -u "$1" || true); do
    alive "$pid" && printf '%s\n' "$pid"
  done
  return 0
}
