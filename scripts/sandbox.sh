#!/usr/bin/env bash
# hpcgate sandbox: a one-node Slurm cluster on loopback, reachable over SSH.
#
# Usage: scripts/sandbox.sh up|down|status|env
#
#   up      install (only what is missing) and start munged, slurmctld,
#           slurmd and a private sshd on 127.0.0.1:${HPCGATE_SSH_PORT:-2222};
#           create the service account and the sandbox users, each with its
#           own SSH key; then check that a job submitted over SSH as the first
#           sandbox user (alice) completes and that the service account sees it.
#   down    cancel the jobs of the service account and of the sandbox users,
#           kill their leftover processes and stop what `up` started.
#   status  show which daemons run (exit 0 if all do, 3 otherwise).
#   env     print the connection settings as plain KEY=VALUE lines.
#           It prints the host key fingerprints so the gateway can pin them.
#
# Accounts: the gateway's service account (HPCGATE_SSH_USER) only reads the
# queue (squeue, scontrol, `sacct -c` for all users' jobs) and never submits;
# every sandbox user (HPCGATE_SANDBOX_USERS) submits its own jobs with its own
# key. Every public key is installed as 'restrict,from="127.0.0.1" <key>' and
# every home dir is mode 0700, so no user can read another's files.
#
# Needs root on Debian/Ubuntu (apt-get, dpkg); works without systemd.
# Everything it writes lives in ${HPCGATE_SANDBOX_DIR:-/var/lib/hpcgate-sandbox}:
#   id_ed25519{,.pub}          key pair of the service account
#   user-keys/<user>{,.pub}    key pair of each sandbox user (dir 0700, root)
#   ssh_host_*_key{,.pub}      the sandbox sshd's host keys (ed25519, ecdsa, rsa)
#   known_hosts                those host keys as '[127.0.0.1]:<port> <type> <key>'
#   sandbox.env                the output of `env`
#   slurm.conf, sshd_config, jobcomp.txt (owned by the service account), logs
# plus /etc/munge/munge.key, /etc/slurm/slurm.conf (a symlink to the state
# dir's copy, so commands run over SSH find it without any environment),
# the accounts and their homes (~/.ssh/authorized_keys) and, if the hostname
# does not resolve, one line in /etc/hosts. The machine's own sshd (port 22)
# is never touched.
#
# Environment:
#   HPCGATE_SANDBOX_DIR    state dir          (default /var/lib/hpcgate-sandbox)
#   HPCGATE_SSH_USER       service account    (default hpcgate)
#   HPCGATE_SANDBOX_USERS  sandbox users, separated by spaces or commas
#                          (default "alice bob carol demo hpcbot"; hpcbot is
#                          the automation/bot account)
#   HPCGATE_SSH_PORT       sshd port          (default 2222)
#   HPCGATE_CLUSTER        Slurm ClusterName  (default hpcgate-sandbox)
#
# `env` prints HPCGATE_SSH_HOST, _PORT, _USER (service account), _KEY (its
# private key), HPCGATE_SSH_USER_KEYS (dir of the users' private keys, one
# file per user name), HPCGATE_SANDBOX_USERS (comma-separated),
# HPCGATE_SSH_HOST_KEYS (SHA256 fingerprints, comma-separated),
# HPCGATE_SSH_KNOWN_HOSTS, HPCGATE_CLUSTER and HPCGATE_SLURM_PARTITION.
set -euo pipefail

export PATH="/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin${PATH:+:$PATH}"
export LC_ALL=C

STATE_DIR="${HPCGATE_SANDBOX_DIR:-/var/lib/hpcgate-sandbox}"
SSH_HOST=127.0.0.1
SSH_PORT="${HPCGATE_SSH_PORT:-2222}"
CLUSTER_USER="${HPCGATE_SSH_USER:-hpcgate}"
CLUSTER_NAME="${HPCGATE_CLUSTER:-hpcgate-sandbox}"
PARTITION=debug
SSH_KEY="$STATE_DIR/id_ed25519"
USER_KEYS_DIR="$STATE_DIR/user-keys"
KNOWN_HOSTS="$STATE_DIR/known_hosts"
HOST_KEY_TYPES=(ed25519 ecdsa rsa)
# Options of every installed public key: no pty, no forwarding, loopback only.
KEY_OPTIONS='restrict,from="127.0.0.1"'
IFS=', ' read -r -a SANDBOX_USERS <<<"${HPCGATE_SANDBOX_USERS:-alice bob carol demo hpcbot}"

SLURM_CONF_FILE="$STATE_DIR/slurm.conf"
SYSTEM_SLURM_CONF=/etc/slurm/slurm.conf
SSHD_CONFIG="$STATE_DIR/sshd_config"
ENV_FILE="$STATE_DIR/sandbox.env"
JOBCOMP_FILE="$STATE_DIR/jobcomp.txt"

MUNGE_DIR="$STATE_DIR/munge"
MUNGE_PID="$MUNGE_DIR/munged.pid"
MUNGE_LOG="$MUNGE_DIR/munged.log"
MUNGE_KEY=/etc/munge/munge.key

CTLD_DIR="$STATE_DIR/slurmctld"
CTLD_STATE="$CTLD_DIR/state"
CTLD_PID="$CTLD_DIR/slurmctld.pid"
CTLD_LOG="$CTLD_DIR/slurmctld.log"

SLURMD_DIR="$STATE_DIR/slurmd"
SLURMD_SPOOL="$SLURMD_DIR/spool"
SLURMD_PID="$SLURMD_DIR/slurmd.pid"
SLURMD_LOG="$SLURMD_DIR/slurmd.log"

SSHD_PID="$STATE_DIR/sshd.pid"
SSHD_LOG="$STATE_DIR/sshd.log"

PACKAGES=(slurmctld slurmd slurm-client munge openssh-server)
DAEMONS=(munged slurmctld slurmd sshd)
WAIT_SECONDS=30

# Slurm daemons and client tools run by this script use our config.
export SLURM_CONF="$SLURM_CONF_FILE"

log() { printf '[sandbox] %s\n' "$*"; }
warn() { printf '[sandbox] WARNING: %s\n' "$*" >&2; }
die() {
  printf '[sandbox] ERROR: %s\n' "$*" >&2
  exit 1
}

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Print the tail of a log file (to stderr) when a component fails.
show_log() {
  local file="$1"
  if [[ -s "$file" ]]; then
    printf -- '----- last lines of %s -----\n' "$file" >&2
    tail -n 25 "$file" >&2 || true
    printf -- '-----\n' >&2
  else
    printf '(log file %s is empty or missing)\n' "$file" >&2
  fi
}

fail_component() {
  local component="$1" logfile="$2" msg="$3"
  printf '[sandbox] ERROR: %s: %s\n' "$component" "$msg" >&2
  show_log "$logfile"
  exit 1
}

need_root() {
  local why=""
  if [[ $(id -u) -ne 0 ]]; then
    why="it must run as root"
  elif ! command -v apt-get >/dev/null 2>&1 || ! command -v dpkg-query >/dev/null 2>&1; then
    why="it needs a Debian/Ubuntu system (apt-get and dpkg)"
  fi
  [[ -z "$why" ]] && return 0
  cat >&2 <<EOF
[sandbox] ERROR: cannot manage the local Slurm sandbox: $why.
Run it as root on Debian/Ubuntu (e.g. 'sudo bash scripts/sandbox.sh up'), or point
the tests at an existing Slurm cluster reachable over SSH instead:
  export HPCGATE_SSH_HOST=login.example.org   # SSH host of the cluster
  export HPCGATE_SSH_PORT=22                  # SSH port
  export HPCGATE_SSH_USER=hpcgate             # service account (reads the queue)
  export HPCGATE_SSH_KEY=\$HOME/.ssh/id_ed25519 # private key of that account
  export HPCGATE_SSH_USER_KEYS=\$HOME/keys     # one private key per user name
  export HPCGATE_SANDBOX_USERS=alice,bob       # users that submit the jobs
  export HPCGATE_SSH_KNOWN_HOSTS=\$HOME/.ssh/known_hosts # the cluster's host keys
  export HPCGATE_CLUSTER=mycluster            # Slurm ClusterName
EOF
  exit 1
}

# ---------------------------------------------------------------- processes

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

# ---------------------------------------------------------------- files

CHANGED=0
# Write stdin to FILE (mode MODE, owner OWNER) only if the content differs.
# Sets CHANGED=1 when the file was (re)written.
write_file() {
  local file="$1" mode="$2" owner="$3" tmp
  tmp=$(mktemp "$file.XXXXXX")
  cat >"$tmp"
  CHANGED=0
  if [[ -f "$file" ]] && cmp -s "$tmp" "$file"; then
    rm -f "$tmp"
  else
    mv -f "$tmp" "$file"
    CHANGED=1
  fi
  chmod "$mode" "$file"
  chown "$owner" "$file"
}

# ---------------------------------------------------------------- install

pkg_installed() {
  # shellcheck disable=SC2016 # ${db:Status-Status} is a dpkg-query field, not a shell variable
  [[ $(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true) == installed ]]
}

have_binaries() {
  local b
  for b in /usr/sbin/munged /usr/bin/munge /usr/bin/unmunge /usr/sbin/slurmctld \
    /usr/sbin/slurmd /usr/bin/sbatch /usr/bin/sinfo /usr/bin/sacct /usr/sbin/sshd /usr/bin/ssh-keygen /usr/bin/ssh; do
    [[ -x "$b" ]] || return 1
  done
}

apt_lists_empty() {
  ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}

POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY_RC=0
cleanup_policy_rc() {
  if [[ $CREATED_POLICY_RC -eq 1 ]]; then
    rm -f "$POLICY_RC"
    CREATED_POLICY_RC=0
  fi
}

# Pids of all processes named like one of our daemons (whoever started them).
list_daemon_pids() {
  local d
  for d in "${DAEMONS[@]}"; do pgrep -x "$d" || true; done
}

INSTALL_TIME=""
install_packages() {
  local missing=() p t0 before after pid aptlog
  for p in "${PACKAGES[@]}"; do
    pkg_installed "$p" || missing+=("$p")
  done
  if [[ ${#missing[@]} -eq 0 ]] && have_binaries; then
    INSTALL_TIME="already installed"
    log "packages: already installed"
    return 0
  fi
  [[ ${#missing[@]} -eq 0 ]] && missing=("${PACKAGES[@]}")
  t0=$(now)
  log "installing: ${missing[*]}"
  # Keep package post-install scripts from starting daemons (no systemd here:
  # they would fall back to init.d and start munge, sshd on :22 and Slurm).
  if [[ ! -e "$POLICY_RC" ]]; then
    printf '#!/bin/sh\n# temporary, created by hpcgate scripts/sandbox.sh\nexit 101\n' >"$POLICY_RC"
    chmod 0755 "$POLICY_RC"
    CREATED_POLICY_RC=1
    trap cleanup_policy_rc EXIT
  fi
  before=" $(list_daemon_pids | tr '\n' ' ') "
  aptlog="$STATE_DIR/apt.log"
  export DEBIAN_FRONTEND=noninteractive
  local apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
  if apt_lists_empty || ! apt-get install "${apt_opts[@]}" "${missing[@]}" >"$aptlog" 2>&1; then
    log "running apt-get update"
    if ! apt-get update -q >>"$aptlog" 2>&1 ||
      ! apt-get install "${apt_opts[@]}" "${missing[@]}" >>"$aptlog" 2>&1; then
      cleanup_policy_rc
      fail_component "apt-get install" "$aptlog" "could not install ${missing[*]}"
    fi
  fi
  cleanup_policy_rc
  # Anything a package script started anyway is not ours to keep.
  after=$(list_daemon_pids)
  for pid in $after; do
    if [[ "$before" != *" $pid "* ]] && ! grep -qF "$STATE_DIR" "/proc/$pid/cmdline" 2>/dev/null; then
      warn "stopping $(cat "/proc/$pid/comm" 2>/dev/null || echo process) (pid $pid) started by a package script"
      kill -TERM "$pid" 2>/dev/null || true
    fi
  done
  have_binaries || fail_component "install" "$aptlog" "packages installed but binaries missing"
  INSTALL_TIME="$(elapsed "$t0") s"
  log "packages installed in $INSTALL_TIME"
}

# ---------------------------------------------------------------- setup

setup_host() {
  local host
  host=$(hostname -s)
  if ! getent hosts "$host" >/dev/null 2>&1; then
    log "adding '127.0.0.1 $host' to /etc/hosts"
    printf '127.0.0.1 %s # hpcgate sandbox\n' "$host" >>/etc/hosts
  fi
}

# The service account and the sandbox users: valid, distinct names.
check_users() {
  local u seen=" $CLUSTER_USER "
  [[ ${#SANDBOX_USERS[@]} -gt 0 ]] || die "HPCGATE_SANDBOX_USERS names no user"
  [[ "$CLUSTER_USER" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "HPCGATE_SSH_USER: invalid user name '$CLUSTER_USER'"
  for u in "${SANDBOX_USERS[@]}"; do
    [[ "$u" =~ ^[a-z_][a-z0-9_-]*$ ]] || die "HPCGATE_SANDBOX_USERS: invalid user name '$u'"
    [[ "$seen" != *" $u "* ]] || die "HPCGATE_SANDBOX_USERS: '$u' is listed twice or is the service account"
    seen+="$u "
  done
}

# Create a login account (if missing) whose home only it can read.
setup_account() {
  local user="$1" home
  if ! getent passwd "$user" >/dev/null; then
    log "creating user $user"
    useradd --create-home --shell /bin/bash "$user"
  fi
  # sshd with UsePAM no refuses a locked ('!') password; '*' = no password, not locked.
  if [[ $(getent shadow "$user" | cut -d: -f2) != '*' ]]; then
    usermod -p '*' "$user"
  fi
  home=$(getent passwd "$user" | cut -d: -f6)
  [[ -d "$home" ]] || install -d -m 0700 -o "$user" -g "$(id -gn "$user")" "$home"
  # 0700: no other user can read or write it (and StrictModes is satisfied).
  chmod 0700 "$home"
}

# Generate an ed25519 key pair once (private 0600, public 0644, owned by root).
make_key() {
  local key="$1" comment="$2"
  if [[ ! -f "$key" || ! -f "$key.pub" ]]; then
    rm -f "$key" "$key.pub"
    ssh-keygen -q -t ed25519 -N '' -C "$comment" -f "$key"
    log "generated key pair $key"
  fi
  chown root:root "$key" "$key.pub"
  chmod 0600 "$key"
  chmod 0644 "$key.pub"
}

# Install PUBFILE in USER's ~/.ssh/authorized_keys as '$KEY_OPTIONS <key>'.
# Any other line with the same key (e.g. an older one without options) is
# dropped; other keys are kept in place. Rewrites the file only on change.
install_authorized_key() {
  local user="$1" pubfile="$2" home group auth type blob comment
  home=$(getent passwd "$user" | cut -d: -f6)
  group=$(id -gn "$user")
  read -r type blob comment <"$pubfile" || true
  [[ -n "$type" && -n "$blob" ]] || die "$pubfile: not a public key"
  install -d -m 0700 -o "$user" -g "$group" "$home/.ssh"
  auth="$home/.ssh/authorized_keys"
  [[ -f "$auth" ]] || : >"$auth"
  write_file "$auth" 0600 "$user:$group" < <(
    awk -v want="$KEY_OPTIONS $type $blob${comment:+ $comment}" -v blob="$blob" '
      $0 == want { if (!seen) print; seen = 1; next }
      { for (i = 1; i <= NF; i++) if ($i == blob) next; print }
      END { if (!seen) print want }' "$auth"
  )
  [[ $CHANGED -eq 1 ]] && log "installed key $pubfile for $user in $auth"
  return 0
}

# The service account: reads the queue of all users, never submits.
setup_service_account() {
  setup_account "$CLUSTER_USER"
  make_key "$SSH_KEY" "hpcgate-sandbox"
  install_authorized_key "$CLUSTER_USER" "$SSH_KEY.pub"
}

# The sandbox users: each its own account and key pair in $USER_KEYS_DIR.
setup_sandbox_users() {
  local u
  install -d -m 0700 -o root -g root "$USER_KEYS_DIR"
  for u in "${SANDBOX_USERS[@]}"; do
    setup_account "$u"
    make_key "$USER_KEYS_DIR/$u" "hpcgate-sandbox-$u"
    install_authorized_key "$u" "$USER_KEYS_DIR/$u.pub"
  done
}

setup_munge() {
  getent passwd munge >/dev/null || die "munge: user 'munge' missing (package munge not installed properly?)"
  install -d -m 0755 -o munge -g munge /run/munge
  install -d -m 0700 -o munge -g munge /etc/munge
  install -d -m 0755 -o munge -g munge "$MUNGE_DIR"
  if [[ ! -s "$MUNGE_KEY" ]]; then
    log "creating $MUNGE_KEY"
    if ! mungekey --create --keyfile="$MUNGE_KEY" 2>/dev/null; then
      dd if=/dev/urandom of="$MUNGE_KEY" bs=1 count=1024 status=none
    fi
  fi
  chown munge:munge "$MUNGE_KEY"
  chmod 0400 "$MUNGE_KEY"
  # munged insists that its log file is owned by the munge user.
  : >>"$MUNGE_LOG"
  chown munge:munge "$MUNGE_LOG"
  chmod 0640 "$MUNGE_LOG"
}

start_munge() {
  start_daemon munged runuser -u munge -- /usr/sbin/munged \
    --pid-file="$MUNGE_PID" --log-file="$MUNGE_LOG" --seed-file="$MUNGE_DIR/munged.seed" --num-threads=4
  local cred
  if ! cred=$(munge -n 2>&1) || ! unmunge >/dev/null 2>&1 <<<"$cred"; then
    fail_component munged "$MUNGE_LOG" "munge -n | unmunge round trip failed: $cred"
  fi
}

# Oversubscription per core so that at least 64 one-CPU jobs run at once.
share_per_core() {
  local cores="$1" share=32
  if ((cores * share < 64)); then share=$(((64 + cores - 1) / cores)); fi
  printf '%s' "$share"
}

SLURM_CONF_CHANGED=0
write_slurm_conf() {
  local host hw key cores share
  declare -A topo=()
  host=$(hostname -s)
  hw=$(slurmd -C 2>/dev/null) || true
  for key in CPUs Boards SocketsPerBoard CoresPerSocket ThreadsPerCore RealMemory; do
    if [[ "$hw" =~ (^|[[:space:]])$key=([0-9]+) ]]; then
      topo[$key]="${BASH_REMATCH[2]}"
    fi
  done
  if [[ -z "${topo[CPUs]:-}" || -z "${topo[CoresPerSocket]:-}" ]]; then
    die "slurmd: 'slurmd -C' gave no usable hardware description: $hw"
  fi
  : "${topo[Boards]:=1}" "${topo[SocketsPerBoard]:=1}" "${topo[ThreadsPerCore]:=1}" "${topo[RealMemory]:=1}"
  cores=$((topo[Boards] * topo[SocketsPerBoard] * topo[CoresPerSocket]))
  share=$(share_per_core "$cores")

  install -d -m 0755 -o root -g root "$STATE_DIR"
  install -d -m 0755 -o slurm -g slurm "$CTLD_DIR" "$CTLD_STATE"
  install -d -m 0755 -o root -g root "$SLURMD_DIR" "$SLURMD_SPOOL"

  # slurmctld refuses a StateSaveLocation written for another ClusterName.
  if [[ -f "$CTLD_STATE/clustername" ]] && [[ $(cat "$CTLD_STATE/clustername") != "$CLUSTER_NAME" ]]; then
    warn "ClusterName changed to $CLUSTER_NAME: discarding the old controller state"
    stop_daemon slurmd
    stop_daemon slurmctld
    find "$CTLD_STATE" -mindepth 1 -delete
  fi

  # The completion record file: slurmctld (SlurmUser=slurm) appends to it and
  # `sacct -c` opens it for append even to read, so the service account owns it.
  [[ -f "$JOBCOMP_FILE" ]] || : >"$JOBCOMP_FILE"
  chown "$CLUSTER_USER:slurm" "$JOBCOMP_FILE"
  chmod 0664 "$JOBCOMP_FILE"

  write_file "$SLURM_CONF_FILE" 0644 root:root <<EOF
# Written by hpcgate scripts/sandbox.sh -- rewritten on every 'up'.
ClusterName=$CLUSTER_NAME
SlurmctldHost=$host(127.0.0.1)
CommunicationParameters=NoCtldInAddrAny,NoInAddrAny
SlurmUser=slurm
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
SwitchType=switch/none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/filetxt
JobCompLoc=$JOBCOMP_FILE
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
SchedulerType=sched/backfill
SchedulerParameters=batch_sched_delay=0
MinJobAge=3600
KillWait=5
MaxJobCount=50000
ReturnToService=2
MailProg=/bin/true
StateSaveLocation=$CTLD_STATE
SlurmctldPidFile=$CTLD_PID
SlurmctldLogFile=$CTLD_LOG
SlurmctldDebug=info
SlurmdSpoolDir=$SLURMD_SPOOL
SlurmdPidFile=$SLURMD_PID
SlurmdLogFile=$SLURMD_LOG
SlurmdDebug=info
NodeName=$host NodeAddr=127.0.0.1 CPUs=${topo[CPUs]} Boards=${topo[Boards]} SocketsPerBoard=${topo[SocketsPerBoard]} CoresPerSocket=${topo[CoresPerSocket]} ThreadsPerCore=${topo[ThreadsPerCore]} RealMemory=${topo[RealMemory]} State=UNKNOWN
PartitionName=$PARTITION Nodes=$host Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:$share
EOF
  SLURM_CONF_CHANGED=$CHANGED
  [[ $CHANGED -eq 1 ]] && log "wrote $SLURM_CONF_FILE (OverSubscribe=FORCE:$share on $cores cores)"

  # Client tools run over SSH read /etc/slurm/slurm.conf: point it at ours.
  install -d -m 0755 /etc/slurm
  if [[ -e "$SYSTEM_SLURM_CONF" && ! -L "$SYSTEM_SLURM_CONF" && ! -e "$STATE_DIR/slurm.conf.orig" ]]; then
    cp -p "$SYSTEM_SLURM_CONF" "$STATE_DIR/slurm.conf.orig"
    warn "moved the existing $SYSTEM_SLURM_CONF to $STATE_DIR/slurm.conf.orig"
  fi
  if [[ $(readlink "$SYSTEM_SLURM_CONF" 2>/dev/null || true) != "$SLURM_CONF_FILE" ]]; then
    ln -sfn "$SLURM_CONF_FILE" "$SYSTEM_SLURM_CONF"
  fi
}

start_slurm() {
  if [[ $SLURM_CONF_CHANGED -eq 1 ]] && { daemon_pid slurmctld >/dev/null || daemon_pid slurmd >/dev/null; }; then
    log "slurm.conf changed: restarting slurmctld and slurmd"
    stop_daemon slurmd
    stop_daemon slurmctld
  fi
  : >>"$CTLD_LOG"
  chown slurm:slurm "$CTLD_LOG"
  start_daemon slurmctld /usr/sbin/slurmctld -f "$SLURM_CONF_FILE"
  start_daemon slurmd /usr/sbin/slurmd -f "$SLURM_CONF_FILE"
}

SSHD_CONFIG_CHANGED=0
write_sshd_config() {
  local t
  for t in "${HOST_KEY_TYPES[@]}"; do
    if [[ ! -f "$STATE_DIR/ssh_host_${t}_key" ]]; then
      ssh-keygen -q -t "$t" -N '' -C "hpcgate-sandbox-host" -f "$STATE_DIR/ssh_host_${t}_key"
    fi
    chmod 0600 "$STATE_DIR/ssh_host_${t}_key"
  done
  write_file "$SSHD_CONFIG" 0644 root:root <<EOF
# Written by hpcgate scripts/sandbox.sh -- the sandbox's own sshd, not the machine's.
ListenAddress $SSH_HOST
Port $SSH_PORT
HostKey $STATE_DIR/ssh_host_ed25519_key
HostKey $STATE_DIR/ssh_host_ecdsa_key
HostKey $STATE_DIR/ssh_host_rsa_key
PidFile $SSHD_PID
PasswordAuthentication no
KbdInteractiveAuthentication no
PubkeyAuthentication yes
UsePAM no
PermitRootLogin no
AuthorizedKeysFile .ssh/authorized_keys
StrictModes yes
MaxSessions 100
MaxStartups 100:30:200
MaxAuthTries 6
LoginGraceTime 30
UseDNS no
PrintMotd no
PrintLastLog no
X11Forwarding no
AllowTcpForwarding no
LogLevel INFO
Subsystem sftp internal-sftp
EOF
  SSHD_CONFIG_CHANGED=$CHANGED
}

start_sshd() {
  install -d -m 0755 -o root -g root /run/sshd
  if ! /usr/sbin/sshd -t -f "$SSHD_CONFIG" >>"$SSHD_LOG" 2>&1; then
    fail_component sshd "$SSHD_LOG" "configuration test (sshd -t -f $SSHD_CONFIG) failed"
  fi
  if [[ $SSHD_CONFIG_CHANGED -eq 1 ]] && daemon_pid sshd >/dev/null; then
    log "sshd_config changed: restarting sshd"
    stop_daemon sshd
  fi
  # Absolute -f path: sshd re-execs itself and would lose a relative one.
  start_daemon sshd /usr/sbin/sshd -f "$SSHD_CONFIG" -E "$SSHD_LOG"
}

# known_hosts for the sandbox sshd: one '[host]:port type key' line per host key.
write_known_hosts() {
  local t type blob rest host="$SSH_HOST" lines=()
  [[ "$SSH_PORT" == 22 ]] || host="[$SSH_HOST]:$SSH_PORT"
  for t in "${HOST_KEY_TYPES[@]}"; do
    read -r type blob rest <"$STATE_DIR/ssh_host_${t}_key.pub" || true
    [[ -n "$type" && -n "$blob" ]] || die "$STATE_DIR/ssh_host_${t}_key.pub: not a public key"
    lines+=("$host $type $blob")
  done
  write_file "$KNOWN_HOSTS" 0644 root:root < <(printf '%s\n' "${lines[@]}")
  [[ $CHANGED -eq 1 ]] && log "wrote $KNOWN_HOSTS"
  return 0
}

write_env_file() {
  write_file "$ENV_FILE" 0644 root:root < <(print_env)
}

# SHA256 fingerprints of the sandbox sshd's host keys, comma-separated; keys
# whose .pub file is missing or unreadable are left out (empty if none is there).
host_key_fingerprints() {
  local t fp fps=()
  for t in "${HOST_KEY_TYPES[@]}"; do
    fp=$(ssh-keygen -l -E sha256 -f "$STATE_DIR/ssh_host_${t}_key.pub" 2>/dev/null | awk '{ print $2 }') || fp=""
    [[ -n "$fp" ]] && fps+=("$fp")
  done
  local IFS=,
  printf '%s' "${fps[*]}"
}

# Works without root and before `up` (it only reads files `up` wrote).
print_env() {
  local users
  users=$(
    IFS=,
    printf '%s' "${SANDBOX_USERS[*]}"
  )
  cat <<EOF
HPCGATE_SSH_HOST=$SSH_HOST
HPCGATE_SSH_PORT=$SSH_PORT
HPCGATE_SSH_USER=$CLUSTER_USER
HPCGATE_SSH_KEY=$SSH_KEY
HPCGATE_SSH_USER_KEYS=$USER_KEYS_DIR
HPCGATE_SANDBOX_USERS=$users
HPCGATE_SSH_HOST_KEYS=$(host_key_fingerprints)
HPCGATE_SSH_KNOWN_HOSTS=$KNOWN_HOSTS
HPCGATE_CLUSTER=$CLUSTER_NAME
HPCGATE_SLURM_PARTITION=$PARTITION
EOF
}

# ---------------------------------------------------------------- checks

node_state() {
  sinfo -h -n "$(hostname -s)" -o %t 2>/dev/null | head -n 1 || true
}

wait_node_ready() {
  local deadline state resumed=0
  deadline=$((SECONDS + WAIT_SECONDS))
  while :; do
    state=$(node_state)
    case "$state" in
      idle | mix | alloc | mix- | idle+ | comp) return 0 ;;
      drain* | down | drng | fail* | inval)
        if [[ $resumed -eq 0 ]]; then
          resumed=1
          log "node is '$state': resuming it"
          scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
        fi
        ;;
    esac
    if ((SECONDS >= deadline)); then
      printf '[sandbox] ERROR: slurmd: node not ready after %ss (sinfo state: %s)\n' "$WAIT_SECONDS" "${state:-none}" >&2
      sinfo -R >&2 2>&1 || true
      show_log "$SLURMD_LOG"
      show_log "$CTLD_LOG"
      exit 1
    fi
    sleep 0.2
  done
}

# Usage: ssh_cmd USER KEY COMMAND... -- run COMMAND on the sandbox as USER,
# verifying the sshd's host key against $KNOWN_HOSTS.
ssh_cmd() {
  local user="$1" key="$2"
  shift 2
  ssh -i "$key" -p "$SSH_PORT" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null \
    -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10 "$user@$SSH_HOST" "$@"
}

# The self-test's ssh went wrong: rc 255 is ssh itself (blame sshd), else the job.
self_test_failed() {
  local rc="$1" who="$2" out="$3"
  if [[ $rc -eq 255 ]]; then
    fail_component sshd "$SSHD_LOG" "ssh $who@$SSH_HOST -p $SSH_PORT failed: $out"
  fi
  printf '[sandbox] ERROR: self-test job over ssh failed: %s\n' "$out" >&2
  show_log "$CTLD_LOG"
  show_log "$SLURMD_LOG"
  exit 1
}

# Over SSH as the first sandbox user: submit a job that checks it runs as that
# user; then over SSH as the service account: wait until squeue shows that
# job, of that user, COMPLETED (squeue, not `sacct -c`: job ids are reused
# after a controller restart, so the completion file may hold an older job of
# the same id; MinJobAge keeps the job listed), and check that the service
# account sees it among the user's jobs and can run `sacct -c`.
self_test() {
  local user="${SANDBOX_USERS[0]}" key="$USER_KEYS_DIR/${SANDBOX_USERS[0]}" id out rc=0
  id=$(ssh_cmd "$user" "$key" "sbatch --parsable -J hpcgate-sandbox-check -o /dev/null --wrap 'test \"\$(id -un)\" = $user'" 2>&1) || rc=$?
  [[ $rc -eq 0 ]] || self_test_failed "$rc" "$user" "sbatch as $user: $id"
  id=${id%%;*}
  [[ "$id" =~ ^[0-9]+$ ]] || self_test_failed 1 "$user" "sbatch as $user printed no job id: $id"

  out=$(ssh_cmd "$CLUSTER_USER" "$SSH_KEY" "bash -s" 2>&1 <<EOF
set -u
id=$id
for _ in \$(seq 1 $((WAIT_SECONDS * 5))); do
  q=\$(squeue -h -t all -j "\$id" -o '%T|%u' 2>&1)
  case "\$q" in
    "COMPLETED|$user") break ;;
    "FAILED|"* | "CANCELLED"* | "NODE_FAIL|"* | "TIMEOUT|"* | "OUT_OF_MEMORY|"* | "BOOT_FAIL|"* | "DEADLINE|"* | "PREEMPTED|"*)
      echo "job \$id of $user ended badly: \$q"; exit 3 ;;
    "COMPLETED|"*) echo "job \$id: COMPLETED, but squeue names another user: \$q"; exit 3 ;;
  esac
  sleep 0.2
done
if [ "\$q" != "COMPLETED|$user" ]; then
  r=\$(squeue -h -t all -j "\$id" -o '%T|%r' 2>&1)
  case "\$r" in
    PENDING"|Resources" | PENDING"|Priority")
      echo "job \$id of $user still pending after ${WAIT_SECONDS}s (\$r): the cluster is busy with other jobs"; exit 5 ;;
  esac
  echo "job \$id of $user did not complete in ${WAIT_SECONDS}s; squeue: \$q (\$r)"
  exit 4
fi
squeue -h -t all -u $user -o %i 2>&1 | grep -qx "\$id" || { echo "job \$id: COMPLETED, but 'squeue -u $user' as \$(id -un) does not list it"; exit 6; }
c=\$(sacct -c -n -P -j "\$id" -o JobID,State 2>&1) || { echo "job \$id: COMPLETED, but 'sacct -c' as \$(id -un) failed: \$c"; exit 6; }
echo "job \$id of $user: COMPLETED (seen by \$(id -un) with squeue -u $user and sacct -c)"
EOF
  ) || rc=$?
  if [[ $rc -eq 0 ]]; then
    log "self-test over ssh: $out"
    return 0
  fi
  if [[ $rc -eq 5 ]]; then
    # ssh, sbatch and squeue worked; all CPU slots are taken by other jobs.
    # Only the owner (not the read-only service account) may cancel the job.
    ssh_cmd "$user" "$key" scancel "$id" >/dev/null 2>&1 || true
    warn "self-test over ssh: $out"
    return 0
  fi
  self_test_failed "$rc" "$CLUSTER_USER" "$out"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  need_root
  check_users
  local t_all t_up
  t_all=$(now)
  install -d -m 0755 -o root -g root "$STATE_DIR"
  install_packages
  t_up=$(now)
  getent passwd slurm >/dev/null || useradd --system --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin slurm
  setup_host
  setup_service_account
  setup_sandbox_users
  setup_munge
  start_munge
  write_slurm_conf
  start_slurm
  write_sshd_config
  write_known_hosts
  start_sshd
  write_env_file
  wait_node_ready
  log "daemons up, node $(hostname -s) is $(node_state) ($(elapsed "$t_up") s)"
  self_test
  log "install: $INSTALL_TIME; bring-up: $(elapsed "$t_up") s; total: $(elapsed "$t_all") s"
  log "sandbox is up; connection settings in $ENV_FILE:"
  print_env | sed 's/^/  /'
}

# Live (non-zombie) processes of a user.
user_pids() {
  local pid
  for pid in $(pgrep -u "$1" || true); do
    alive "$pid" && printf '%s\n' "$pid"
  done
  return 0
}

cmd_down() {
  need_root
  check_users
  local i pids pid sig u users=()
  for u in "$CLUSTER_USER" "${SANDBOX_USERS[@]}"; do
    getent passwd "$u" >/dev/null && users+=("$u")
  done
  if [[ ${#users[@]} -gt 0 ]] && daemon_pid slurmctld >/dev/null && daemon_pid munged >/dev/null; then
    # Stopping slurmd does not stop running jobs: cancel them first.
    for u in "${users[@]}"; do
      scancel -u "$u" >/dev/null 2>&1 || true
    done
    for ((i = 0; i < 150; i++)); do
      [[ -z "$(IFS=,; squeue -h -u "${users[*]}" -t R,CG,S,ST,CF -o %i 2>/dev/null || true)" ]] && break
      sleep 0.1
    done
  fi
  stop_daemon sshd
  # Leftovers: orphans of jobs (linuxproc does not track them), ssh sessions.
  for u in "${users[@]}"; do
    for sig in TERM KILL; do
      pids=$(user_pids "$u")
      [[ -z "$pids" ]] && break
      log "sending SIG$sig to leftover processes of $u: ${pids//$'\n'/ }"
      for pid in $pids; do kill "-$sig" "$pid" 2>/dev/null || true; done
      for ((i = 0; i < 20; i++)); do
        [[ -z "$(user_pids "$u")" ]] && break
        sleep 0.1
      done
    done
  done
  stop_daemon slurmd
  stop_daemon slurmctld
  stop_daemon munged
  log "sandbox is down"
}

cmd_status() {
  local d pid all=0
  for d in "${DAEMONS[@]}"; do
    if pid=$(daemon_pid "$d"); then
      printf '%-10s running (pid %s)\n' "$d" "$pid"
    else
      printf '%-10s stopped\n' "$d"
      all=3
    fi
  done
  if daemon_pid slurmctld >/dev/null && [[ -r "$SLURM_CONF_FILE" ]]; then
    echo
    sinfo 2>&1 || true
  fi
  return "$all"
}

# Serialize concurrent up/down runs (e.g. several test runs at once).
take_lock() {
  install -d -m 0755 -o root -g root "$STATE_DIR"
  command -v flock >/dev/null 2>&1 || return 0
  exec 9>"$STATE_DIR/.lock"
  if ! flock -w 300 9; then
    die "another '$0' run holds $STATE_DIR/.lock for more than 300 s"
  fi
}

main() {
  case "${1:-}" in
    up)
      need_root
      take_lock
      cmd_up
      ;;
    down)
      need_root
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
