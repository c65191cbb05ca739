# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the connection settings printed by `env` and
# kept in sandbox.env.

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
