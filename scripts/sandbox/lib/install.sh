# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the Debian packages, installed only when
# missing, without letting their scripts start any daemon.

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

POLICY_RC=/usr/sbin/policy-rc.d
CREATED_POLICY_RC=0
cleanup_policy_rc() {
  if [[ $CREATED_POLICY_RC -eq 1 ]]; then
    rm -f "$POLICY_RC"
    CREATED_POLICY_RC=0
  fi
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
