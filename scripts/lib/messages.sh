# shellcheck shell=bash
# Sourced by the project's setup scripts (the sandbox, PostgreSQL, the browser): messages tagged
# with $LOG_TAG, timing, failures with the tail of their log, and the apt helpers they share.

log() { printf '[%s] %s\n' "$LOG_TAG" "$*"; }
warn() { printf '[%s] WARNING: %s\n' "$LOG_TAG" "$*" >&2; }
die() {
  printf '[%s] ERROR: %s\n' "$LOG_TAG" "$*" >&2
  exit 1
}

now() { printf '%s' "$EPOCHREALTIME"; }
elapsed() { awk -v a="$1" -v b="$(now)" 'BEGIN { printf "%.1f", b - a }'; }

# Print the tail of a log file (to stderr) when a step fails.
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
  printf '[%s] ERROR: %s: %s\n' "$LOG_TAG" "$component" "$msg" >&2
  show_log "$logfile"
  exit 1
}

# No package lists yet (a fresh machine): apt-get must update before it can install.
apt_lists_empty() {
  ! compgen -G '/var/lib/apt/lists/*_Packages*' >/dev/null
}
