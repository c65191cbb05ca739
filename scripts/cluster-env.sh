#!/usr/bin/env bash
# Sourced, not run: brings the sandbox cluster up unless HPCGATE_SSH_HOST already names a cluster,
# then exports its connection settings (HPCGATE_SSH_HOST, _PORT, _USER, _KEY, HPCGATE_CLUSTER…).
if [ -n "${HPCGATE_SSH_HOST:-}" ]; then
  echo "hpcgate: using the cluster named by HPCGATE_SSH_HOST=${HPCGATE_SSH_HOST}" >&2
else
  bash "$(dirname "${BASH_SOURCE[0]}")/sandbox.sh" up
  set -a
  # shellcheck disable=SC1090
  . <(bash "$(dirname "${BASH_SOURCE[0]}")/sandbox.sh" env)
  set +a
fi
