# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: messages, failures, the root check, and files
# written only on change, from stdin or from a template.

LOG_TAG=sandbox
# shellcheck source=scripts/lib/messages.sh
. "$(dirname "${BASH_SOURCE[0]}")/../../lib/messages.sh"

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

CHANGED=0
# Write stdin to FILE (mode MODE, owner OWNER) only if the content differs.
# Sets CHANGED=1 when the file was (re)written.
# shellcheck disable=SC2034 # CHANGED is read by the callers, in the other parts
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

# Print TEMPLATE with every @NAME@ replaced by the value given as NAME=VALUE.
# One pass, no eval: a value is copied as it is (never scanned for more
# placeholders), a value with a newline is refused (it would add lines to a
# config file), and so are a placeholder without a value and a value that no
# placeholder uses. The output is the template byte for byte otherwise.
# Usage: render_template TEMPLATE NAME=VALUE...
render_template() {
  local template="$1" text="" out="" arg name token
  local -A values=() used=()
  shift
  for arg in "$@"; do
    name=${arg%%=*}
    [[ "$arg" == *=* && "$name" =~ ^[A-Z][A-Z0-9_]*$ ]] || die "render_template: bad argument '$arg'"
    values[$name]=${arg#*=}
    [[ "${values[$name]}" != *$'\n'* ]] || die "$template: the value of @$name@ has a newline"
  done
  [[ -r "$template" ]] || die "template $template is missing"
  IFS= read -r -d '' text <"$template" || true
  while [[ "$text" =~ @([A-Z][A-Z0-9_]*)@ ]]; do
    token=${BASH_REMATCH[0]}
    name=${BASH_REMATCH[1]}
    [[ -v "values[$name]" ]] || die "$template: no value for $token"
    used[$name]=1
    out+=${text%%"$token"*}${values[$name]}
    text=${text#*"$token"}
  done
  for name in "${!values[@]}"; do
    [[ -v "used[$name]" ]] || die "$template: no placeholder @$name@"
  done
  printf '%s' "$out$text"
}

# Render TEMPLATE (see render_template) and write_file the result to FILE.
# Nothing is written if the template cannot be rendered.
# Usage: write_template FILE MODE OWNER TEMPLATE NAME=VALUE...
write_template() {
  local file="$1" mode="$2" owner="$3" text
  shift 3
  # The '.' keeps trailing newlines from being dropped by $(...).
  text=$(render_template "$@" && printf .) || exit 1
  write_file "$file" "$mode" "$owner" < <(printf '%s' "${text%.}")
}
