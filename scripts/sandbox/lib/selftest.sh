# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the end-to-end check of `up`, a job submitted
# over SSH as a sandbox user and seen by the service account.

# Usage: ssh_cmd USER KEY COMMAND... -- run COMMAND on the sandbox as USER,
# verifying the sshd's host key against $KNOWN_HOSTS.
ssh_cmd() {
  local user="$1" key="$2"
  shift 2
  ssh -i "$key" -p "$SSH_PORT" -o IdentitiesOnly=yes \
    -o StrictHostKeyChecking=yes -o UserKnownHostsFile="$KNOWN_HOSTS" -o GlobalKnownHostsFile=/dev/null \
    -o BatchMode=yes -o LogLevel=ERROR -o ConnectTimeout=10 "$user@$SSH_HOST" "$@"
}

# The self-test's ssh went wrong: rc 255 is ssh itself (blame sshd), else the job.
self_test_failed() {
  local rc="$1" who="$2" out="$3"
  if [[ $rc -eq 255 ]]; then
    fail_component sshd "$SSHD_LOG" "ssh $who@$SSH_HOST -p $SSH_PORT failed: $out"
  fi
  printf '[sandbox] ERROR: self-test job over ssh failed: %s\n' "$out" >&2
  show_log "$CTLD_LOG"
  show_log "$SLURMD_LOG"
  exit 1
}

# Over SSH as the first sandbox user: submit a job that checks it runs as that
# user; then over SSH as the service account: wait until squeue shows that
# job, of that user, COMPLETED (squeue, not `sacct -c`: job ids are reused
# after a controller restart, so the completion file may hold an older job of
# the same id; MinJobAge keeps the job listed), and check that the service
# account sees it among the user's jobs and can run `sacct -c`.
self_test() {
  local user="${SANDBOX_USERS[0]}" key="$USER_KEYS_DIR/${SANDBOX_USERS[0]}" id out rc=0
  id=$(ssh_cmd "$user" "$key" "sbatch --parsable -J hpcgate-sandbox-check -o /dev/null --wrap 'test \"\$(id -un)\" = $user'" 2>&1) || rc=$?
  [[ $rc -eq 0 ]] || self_test_failed "$rc" "$user" "sbatch as $user: $id"
  id=${id%%;*}
  [[ "$id" =~ ^[0-9]+$ ]] || self_test_failed 1 "$user" "sbatch as $user printed no job id: $id"

  out=$(ssh_cmd "$CLUSTER_USER" "$SSH_KEY" "bash -s" 2>&1 <<EOF
set -u
id=$id
for _ in \$(seq 1 $((WAIT_SECONDS * 5))); do
  q=\$(squeue -h -t all -j "\$id" -o '%T|%u' 2>&1)
  case "\$q" in
    "COMPLETED|$user") break ;;
    "FAILED|"* | "CANCELLED"* | "NODE_FAIL|"* | "TIMEOUT|"* | "OUT_OF_MEMORY|"* | "BOOT_FAIL|"* | "DEADLINE|"* | "PREEMPTED|"*)
      echo "job \$id of $user ended badly: \$q"; exit 3 ;;
    "COMPLETED|"*) echo "job \$id: COMPLETED, but squeue names another user: \$q"; exit 3 ;;
  esac
  sleep 0.2
done
if [ "\$q" != "COMPLETED|$user" ]; then
  r=\$(squeue -h -t all -j "\$id" -o '%T|%r' 2>&1)
  case "\$r" in
    PENDING"|Resources" | PENDING"|Priority")
      echo "job \$id of $user still pending after ${WAIT_SECONDS}s (\$r): the cluster is busy with other jobs"; exit 5 ;;
  esac
  echo "job \$id of $user did not complete in ${WAIT_SECONDS}s; squeue: \$q (\$r)"
  exit 4
fi
squeue -h -t all -u $user -o %i 2>&1 | grep -qx "\$id" || { echo "job \$id: COMPLETED, but 'squeue -u $user' as \$(id -un) does not list it"; exit 6; }
c=\$(sacct -c -n -P -j "\$id" -o JobID,State 2>&1) || { echo "job \$id: COMPLETED, but 'sacct -c' as \$(id -un) failed: \$c"; exit 6; }
echo "job \$id of $user: COMPLETED (seen by \$(id -un) with squeue -u $user and sacct -c)"
EOF
  ) || rc=$?
  if [[ $rc -eq 0 ]]; then
    log "self-test over ssh: $out"
    return 0
  fi
  if [[ $rc -eq 5 ]]; then
    # ssh, sbatch and squeue worked; all CPU slots are taken by other jobs.
    # Only the owner (not the read-only service account) may cancel the job.
    ssh_cmd "$user" "$key" scancel "$id" >/dev/null 2>&1 || true
    warn "self-test over ssh: $out"
    return 0
  fi
  self_test_failed "$rc" "$CLUSTER_USER" "$out"
}
