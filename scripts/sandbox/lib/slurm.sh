# shellcheck shell=bash
# Sourced by scripts/sandbox.sh: the host name, slurm.conf (from
# templates/slurm.conf), slurmctld and slurmd, and waiting for the node.

setup_host() {
  local host
  host=$(hostname -s)
  if ! getent hosts "$host" >/dev/null 2>&1; then
    log "adding '127.0.0.1 $host' to /etc/hosts"
    printf '127.0.0.1 %s # hpcgate sandbox\n' "$host" >>/etc/hosts
  fi
}

# Oversubscription per core so that at least 64 one-CPU jobs run at once.
share_per_core() {
  local cores="$1" share=32
  if ((cores * share < 64)); then share=$(((64 + cores - 1) / cores)); fi
  printf '%s' "$share"
}

SLURM_CONF_CHANGED=0
write_slurm_conf() {
  local host hw key cores share
  declare -A topo=()
  host=$(hostname -s)
  hw=$(slurmd -C 2>/dev/null) || true
  for key in CPUs Boards SocketsPerBoard CoresPerSocket ThreadsPerCore RealMemory; do
    if [[ "$hw" =~ (^|[[:space:]])$key=([0-9]+) ]]; then
      topo[$key]="${BASH_REMATCH[2]}"
    fi
  done
  if [[ -z "${topo[CPUs]:-}" || -z "${topo[CoresPerSocket]:-}" ]]; then
    die "slurmd: 'slurmd -C' gave no usable hardware description: $hw"
  fi
  : "${topo[Boards]:=1}" "${topo[SocketsPerBoard]:=1}" "${topo[ThreadsPerCore]:=1}" "${topo[RealMemory]:=1}"
  cores=$((topo[Boards] * topo[SocketsPerBoard] * topo[CoresPerSocket]))
  share=$(share_per_core "$cores")

  install -d -m 0755 -o root -g root "$STATE_DIR"
  install -d -m 0755 -o slurm -g slurm "$CTLD_DIR" "$CTLD_STATE"
  install -d -m 0755 -o root -g root "$SLURMD_DIR" "$SLURMD_SPOOL"

  # slurmctld refuses a StateSaveLocation written for another ClusterName.
  if [[ -f "$CTLD_STATE/clustername" ]] && [[ $(cat "$CTLD_STATE/clustername") != "$CLUSTER_NAME" ]]; then
    warn "ClusterName changed to $CLUSTER_NAME: discarding the old controller state"
    stop_daemon slurmd
    stop_daemon slurmctld
    find "$CTLD_STATE" -mindepth 1 -delete
  fi

  # The completion record file: slurmctld (SlurmUser=slurm) appends to it and
  # `sacct -c` opens it for append even to read, so the service account owns it.
  [[ -f "$JOBCOMP_FILE" ]] || : >"$JOBCOMP_FILE"
  chown "$CLUSTER_USER:slurm" "$JOBCOMP_FILE"
  chmod 0664 "$JOBCOMP_FILE"

  write_template "$SLURM_CONF_FILE" 0644 root:root "$SANDBOX_TEMPLATES/slurm.conf" \
    CLUSTER_NAME="$CLUSTER_NAME" HOST="$host" PARTITION="$PARTITION" SHARE="$share" \
    JOBCOMP_FILE="$JOBCOMP_FILE" CTLD_STATE="$CTLD_STATE" CTLD_PID="$CTLD_PID" CTLD_LOG="$CTLD_LOG" \
    SLURMD_SPOOL="$SLURMD_SPOOL" SLURMD_PID="$SLURMD_PID" SLURMD_LOG="$SLURMD_LOG" \
    CPUS="${topo[CPUs]}" BOARDS="${topo[Boards]}" SOCKETS_PER_BOARD="${topo[SocketsPerBoard]}" \
    CORES_PER_SOCKET="${topo[CoresPerSocket]}" THREADS_PER_CORE="${topo[ThreadsPerCore]}" \
    REAL_MEMORY="${topo[RealMemory]}"
  SLURM_CONF_CHANGED=$CHANGED
  [[ $CHANGED -eq 1 ]] && log "wrote $SLURM_CONF_FILE (OverSubscribe=FORCE:$share on $cores cores)"

  # Client tools run over SSH read /etc/slurm/slurm.conf: point it at ours.
  install -d -m 0755 /etc/slurm
  if [[ -e "$SYSTEM_SLURM_CONF" && ! -L "$SYSTEM_SLURM_CONF" && ! -e "$STATE_DIR/slurm.conf.orig" ]]; then
    cp -p "$SYSTEM_SLURM_CONF" "$STATE_DIR/slurm.conf.orig"
    warn "moved the existing $SYSTEM_SLURM_CONF to $STATE_DIR/slurm.conf.orig"
  fi
  if [[ $(readlink "$SYSTEM_SLURM_CONF" 2>/dev/null || true) != "$SLURM_CONF_FILE" ]]; then
    ln -sfn "$SLURM_CONF_FILE" "$SYSTEM_SLURM_CONF"
  fi
}

start_slurm() {
  if [[ $SLURM_CONF_CHANGED -eq 1 ]] && { daemon_pid slurmctld >/dev/null || daemon_pid slurmd >/dev/null; }; then
    log "slurm.conf changed: restarting slurmctld and slurmd"
    stop_daemon slurmd
    stop_daemon slurmctld
  fi
  : >>"$CTLD_LOG"
  chown slurm:slurm "$CTLD_LOG"
  start_daemon slurmctld /usr/sbin/slurmctld -f "$SLURM_CONF_FILE"
  start_daemon slurmd /usr/sbin/slurmd -f "$SLURM_CONF_FILE"
}

node_state() {
  sinfo -h -n "$(hostname -s)" -o %t 2>/dev/null | head -n 1 || true
}

wait_node_ready() {
  local deadline state resumed=0
  deadline=$((SECONDS + WAIT_SECONDS))
  while :; do
    state=$(node_state)
    case "$state" in
      idle | mix | alloc | mix- | idle+ | comp) return 0 ;;
      drain* | down | drng | fail* | inval)
        if [[ $resumed -eq 0 ]]; then
          resumed=1
          log "node is '$state': resuming it"
          scontrol update NodeName="$(hostname -s)" State=RESUME >/dev/null 2>&1 || true
        fi
        ;;
    esac
    if ((SECONDS >= deadline)); then
      printf '[sandbox] ERROR: slurmd: node not ready after %ss (sinfo state: %s)\n' "$WAIT_SECONDS" "${state:-none}" >&2
      sinfo -R >&2 2>&1 || true
      show_log "$SLURMD_LOG"
      show_log "$CTLD_LOG"
      exit 1
    fi
    sleep 0.2
  done
}
