# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the sandbox's sshd, its host keys, its config
# (from templates/sshd_config) and the known_hosts file that pins it.

SSHD_CONFIG_CHANGED=0
write_sshd_config() {
  local t
  for t in "${HOST_KEY_TYPES[@]}"; do
    if [[ ! -f "$STATE_DIR/ssh_host_${t}_key" ]]; then
      ssh-keygen -q -t "$t" -N '' -C "hpcgate-sandbox-host" -f "$STATE_DIR/ssh_host_${t}_key"
    fi
    chmod 0600 "$STATE_DIR/ssh_host_${t}_key"
  done
  write_template "$SSHD_CONFIG" 0644 root:root "$SANDBOX_TEMPLATES/sshd_config" \
    SSH_HOST="$SSH_HOST" SSH_PORT="$SSH_PORT" STATE_DIR="$STATE_DIR" SSHD_PID="$SSHD_PID"
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
