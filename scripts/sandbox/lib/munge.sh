# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the munge key and munged.

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
