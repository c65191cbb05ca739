#!/usr/bin/env bash
# hpcgate sandbox: a one-node Slurm cluster on loopback, reachable over SSH.
#
# Usage: scripts/sandbox.sh up|down|status|env
#
#   up      install (only what is missing; shellcheck too, for `npm run lint`)
#           and start munged, slurmctld, slurmd and a private sshd on
#           127.0.0.1:${HPCGATE_SSH_PORT:-2222};
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
#
# Layout: this file holds the settings and the commands; the steps are
# sourced from scripts/sandbox/lib/, one job each:
#   common.sh    messages, the root check, files written only on change
#                (write_file) and rendered from a template (write_template)
#   daemons.sh   pid files, starting and stopping the daemons, finding processes
#   install.sh   the Debian packages
#   accounts.sh  the service account, the sandbox users and their keys
#   munge.sh     the munge key and munged
#   slurm.sh     the host name, slurm.conf, slurmctld and slurmd, the node state
#   sshd.sh      the sandbox's sshd, its host keys and known_hosts
#   env.sh       the connection settings (`env`, sandbox.env)
#   selftest.sh  the job over SSH that ends `up`
# slurm.conf and sshd_config are scripts/sandbox/templates/ with @NAME@
# placeholders (see render_template).
# shellcheck source-path=SCRIPTDIR # lets `shellcheck -x` follow the sourced parts
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

# The last one is not for the sandbox: `npm run lint` (task //#lint:shell) runs it.
PACKAGES=(slurmctld slurmd slurm-client munge openssh-server shellcheck)
DAEMONS=(munged slurmctld slurmd sshd)
WAIT_SECONDS=30

# Slurm daemons and client tools run by this script use our config.
export SLURM_CONF="$SLURM_CONF_FILE"

SANDBOX_HOME="$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/sandbox"
SANDBOX_TEMPLATES="$SANDBOX_HOME/templates"

# shellcheck source=sandbox/lib/common.sh
. "$SANDBOX_HOME/lib/common.sh"
# shellcheck source=sandbox/lib/daemons.sh
. "$SANDBOX_HOME/lib/daemons.sh"
# shellcheck source=sandbox/lib/install.sh
. "$SANDBOX_HOME/lib/install.sh"
# shellcheck source=sandbox/lib/accounts.sh
. "$SANDBOX_HOME/lib/accounts.sh"
# shellcheck source=sandbox/lib/munge.sh
. "$SANDBOX_HOME/lib/munge.sh"
# shellcheck source=sandbox/lib/slurm.sh
. "$SANDBOX_HOME/lib/slurm.sh"
# shellcheck source=sandbox/lib/sshd.sh
. "$SANDBOX_HOME/lib/sshd.sh"
# shellcheck source=sandbox/lib/env.sh
. "$SANDBOX_HOME/lib/env.sh"
# shellcheck source=sandbox/lib/selftest.sh
. "$SANDBOX_HOME/lib/selftest.sh"

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
