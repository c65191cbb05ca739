# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the service account and the sandbox users,
# their homes, key pairs and authorized_keys.

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
