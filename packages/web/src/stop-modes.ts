import type { Job, JobStatus, StopMode, StopRequest } from '@hpcgate/contract';

export interface ModeInfo {
  mode: StopMode;
  /** The button's name; the dialog is "<label> job". */
  label: string;
  /** One sentence on what it does (docs/stopping.md). */
  description: string;
}

export const MODES: Record<StopMode, ModeInfo> = {
  cancel: {
    mode: 'cancel',
    label: 'Cancel',
    description:
      "Slurm's scancel: a queued job never starts, a running one gets SIGTERM and, after Slurm's grace period, SIGKILL.",
  },
  interrupt: {
    mode: 'interrupt',
    label: 'Interrupt',
    description:
      "Sends SIGINT to the job's processes; the job goes on running unless it exits on SIGINT.",
  },
  'force-stop': {
    mode: 'force-stop',
    label: 'Force stop',
    description: 'Kills every process of the job at once with SIGKILL, with no grace period.',
  },
  terminate: {
    mode: 'terminate',
    label: 'Terminate',
    description:
      'Sends scancel and marks the job CANCELLED at once, without waiting for Slurm to confirm the end.',
  },
  drain: {
    mode: 'drain',
    label: 'Drain',
    description:
      'Starts nothing new: tasks or phases that have not started are skipped, running ones finish.',
  },
};

/** The modes a bulk stop offers (drain is for one job of many parts). */
export const BULK_MODES: readonly StopMode[] = ['cancel', 'interrupt', 'force-stop', 'terminate'];

export function isTerminalStatus(status: JobStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'CANCELLED';
}

/** An array or a phased job: drain and the tasks table apply. */
export function hasParts(job: Pick<Job, 'array' | 'phases' | 'tasks'>): boolean {
  return job.array != null || (job.phases != null && job.phases.length > 0) || job.tasks != null;
}

/**
 * The stop buttons a job shows, in this order. Before it runs, interrupt and force-stop act as
 * cancel (stopping.md), so only Cancel is offered; Terminate is offered too, because it is the
 * one stop that marks the job CANCELLED at once even while the cluster cannot be reached. While
 * it runs: Interrupt, Force stop, Terminate. Drain for arrays and phased jobs. Ended: nothing.
 */
export function applicableModes(
  job: Pick<Job, 'status' | 'array' | 'phases' | 'tasks'>,
): StopMode[] {
  const modes: StopMode[] = [];
  switch (job.status) {
    case 'PROCESSING_INPUTS':
    case 'PENDING':
      modes.push('cancel', 'terminate');
      break;
    case 'RUNNING':
      modes.push('interrupt', 'force-stop', 'terminate');
      break;
    default:
      return [];
  }
  if (hasParts(job)) modes.push('drain');
  return modes;
}

/**
 * Whether the gateway says the stop reached the cluster: SIGNALLED (DRAINING for a drain), or
 * CONFIRMED. REQUESTED (the cluster could not be reached yet), FAILED and TOO_LATE are not "sent".
 */
export function stopWasSent(stop: Pick<StopRequest, 'outcome'> | null): boolean {
  return (
    stop !== null &&
    (stop.outcome === 'SIGNALLED' || stop.outcome === 'DRAINING' || stop.outcome === 'CONFIRMED')
  );
}

/**
 * The notice after an accepted stop, never claiming more than the gateway says: "sent" once the
 * job's stop request says the signal went out, "requested" before; an interrupt leaves the job
 * "still" in its status until that changes, other modes show the status as it is now.
 */
export function stopNotice(
  mode: StopMode,
  sent: boolean,
  statusAtRequest: JobStatus,
  current: JobStatus,
): string {
  const verb = sent ? 'sent' : 'requested';
  if (mode === 'interrupt') {
    return current === statusAtRequest
      ? `interrupt ${verb} — job still ${current}`
      : `interrupt ${verb} — job now ${current}`;
  }
  return `${mode} ${verb} — job ${current}`;
}
