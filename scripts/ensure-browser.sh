#!/usr/bin/env bash
# Installs Debian's chromium, which the web page's browser tests (test/web) drive through
# playwright-core, when /usr/bin/chromium is missing. Never a downloaded browser build: the
# machine reaches only the npm registry and Debian's mirrors.
set -euo pipefail
cd "$(dirname "$0")/.."

BROWSER=/usr/bin/chromium

LOG_TAG=browser
# shellcheck source=scripts/lib/messages.sh
. scripts/lib/messages.sh

# The last lines of the apt log, then exit 1.
fail_with_log() {
  printf '[browser] ERROR: %s\n' "$1" >&2
  if [[ -s "$aptlog" ]]; then
    printf -- '----- last lines of %s -----\n' "$aptlog" >&2
    tail -n 30 "$aptlog" >&2 || true
    printf -- '-----\n' >&2
  else
    printf '(apt log %s is empty)\n' "$aptlog" >&2
  fi
  exit 1
}

if [[ -x "$BROWSER" ]]; then
  exit 0
fi
if [[ $(id -u) -ne 0 ]]; then
  die "$BROWSER is missing and installing it needs root: as root, apt-get install chromium"
fi
command -v apt-get >/dev/null 2>&1 || die "$BROWSER is missing and this is not a Debian-like system (no apt-get)"

mkdir -p .hpcgate
aptlog="$PWD/.hpcgate/apt-chromium.log"
: >"$aptlog"
t0=$(now)
log "installing chromium (Debian's package) for the browser tests…"
export DEBIAN_FRONTEND=noninteractive
apt_opts=(-y -q --no-install-recommends -o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold)
if apt_lists_empty || ! apt-get install "${apt_opts[@]}" chromium >>"$aptlog" 2>&1; then
  log "running apt-get update"
  if ! apt-get update -q >>"$aptlog" 2>&1 ||
    ! apt-get install "${apt_opts[@]}" chromium >>"$aptlog" 2>&1; then
    fail_with_log "apt-get could not install chromium"
  fi
fi
[[ -x "$BROWSER" ]] || fail_with_log "the chromium package is installed but $BROWSER is missing"
log "chromium installed in $(elapsed "$t0") s ($("$BROWSER" --version 2>/dev/null || echo 'version unknown'))"
