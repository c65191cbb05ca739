import {
  CONDITION_FOR_STOP_MODE,
  isTerminal,
  type JobCondition,
  type JobStatus,
} from '@hpcgate/contract';
import { stepsTo } from '../domain/transitions.js';
import type { RemoteJob, RemoteOutcome } from '../scheduler/scheduler.js';
import type { JobChange, WatchedJob } from '../store/job-store.js';

const OUTCOME: Record<RemoteOutcome, { status: JobStatus; condition: JobCondition }> = {
  completed: { status: 'FINISHED', condition: 'NORMAL_COMPLETION' },
  failed: { status: 'FAILED', condition: 'JOB_EXIT_NONZERO' },
  cancelled: { status: 'CANCELLED', condition: 'SCHEDULER_CANCELLED' },
  timeout: { status: 'FAILED', condition: 'SCHEDULER_TIMEOUT' },
  out_of_memory: { status: 'FAILED', condition: 'SCHEDULER_OUT_OF_MEMORY' },
  node_fail: { status: 'FAILED', condition: 'SCHEDULER_NODE_FAIL' },
  preempted: { status: 'FAILED', condition: 'SCHEDULER_PREEMPTED' },
  deadline: { status: 'FAILED', condition: 'SCHEDULER_DEADLINE' },
  // Without a drain asked for, the wrapper's drained status is the script's own exit status.
  drained: { status: 'FAILED', condition: 'JOB_EXIT_NONZERO' },
};

/** Outcomes that only a job that started can have. */
const RAN = new Set<RemoteOutcome>(['completed', 'failed', 'timeout', 'out_of_memory']);

/**
 * What a job becomes given what the scheduler says of its remote job. Pure: the monitor applies
 * the change. Returns null when nothing would change.
 *
 * A job that ends after a user's stop request is CANCELLED with the mode's condition, whatever
 * Slurm calls it (a job ended by a signal alone is FAILED to Slurm); Slurm's word and the true exit
 * code stay in remoteState and exitCode. A job that had already ended when the request came keeps
 * its own outcome, and the request is marked TOO_LATE.
 */
export function changeFromRemote(job: WatchedJob, remote: RemoteJob, now: Date): JobChange | null {
  const patch: NonNullable<JobChange['patch']> = {};
  type Patchable = keyof NonNullable<JobChange['patch']> & keyof WatchedJob;
  const set = <K extends Patchable>(key: K, value: WatchedJob[K]) => {
    if (job[key] !== value) (patch as Record<Patchable, unknown>)[key] = value;
  };
  // A queued job's start time is Slurm's estimate, and a job cancelled while queued gets one too.
  const ran = remote.phase === 'running' || (remote.outcome !== null && RAN.has(remote.outcome));
  set('remoteState', remote.state);
  // Slurm's own submit time, once the queue shows it (the reconciler checked the tag): records of
  // the job are later recognised by it.
  if (remote.submitted && remote.gatewayJobId === job.id) set('remoteSubmitted', remote.submitted);
  set('remoteReason', remote.reason);
  if (ran && remote.started) set('remoteStarted', remote.started);

  // A job the gateway already ended (terminate) only waits for Slurm to confirm.
  if (isTerminal(job.status)) {
    if (remote.phase === 'ended') {
      set('remoteDone', true);
      set('exitCode', remote.exitCode);
      set('exitSignal', remote.exitSignal);
      if (job.stopRequest && job.stopRequest.outcome !== 'CONFIRMED') {
        patch.stopRequest = {
          ...job.stopRequest,
          outcome: 'CONFIRMED',
          message: `Slurm confirms job ${remote.remoteJobId} ${remote.state}`,
        };
      }
    }
    return Object.keys(patch).length > 0 ? { patch } : null;
  }

  let target: JobStatus;
  if (remote.phase === 'queued') target = job.status === 'RUNNING' ? 'RUNNING' : 'PENDING';
  else if (remote.phase === 'running') target = 'RUNNING';
  else {
    const stop = job.stopRequest;
    // Only a stop that reached Slurm before the job ended can have ended it (both times by the
    // cluster's clock). A stop whose sending was never recorded (the gateway died right after
    // the scancel) may have reached Slurm all the same: it counts when the job ended after it was
    // requested in a way a stop ends a job (cancelled, or killed by a signal), never a job that
    // completed or failed on its own.
    const sentAt =
      stop?.signalledAt ??
      (stop && stop.outcome !== 'TOO_LATE' && endedLikeAStop(remote) ? stop.requestedAt : null);
    // A drain stops nothing that runs: it counts only where it skipped something (a cancelled
    // task, or a job that had not started); a job that ran to its end keeps its own outcome.
    const stoppedByUser =
      stop !== null &&
      sentAt !== null &&
      !endedBefore(remote.ended, sentAt) &&
      // A stop of some tasks, or a drain, ended the job only where it cancelled something.
      ((stop.mode !== 'drain' && !stop.tasks) ||
        remote.outcome === 'cancelled' ||
        remote.outcome === 'drained');
    let condition: JobCondition;
    if (stop?.mode === 'drain' && !stoppedByUser && sentAt !== null) {
      const o = OUTCOME[remote.outcome ?? 'failed'];
      target = o.status;
      condition = o.condition;
      patch.stopRequest = {
        ...stop,
        outcome: 'CONFIRMED',
        message: `drained: nothing was left to skip; Slurm says job ${remote.remoteJobId} ${remote.state}`,
      };
    } else if (stop && stoppedByUser) {
      target = 'CANCELLED';
      condition = CONDITION_FOR_STOP_MODE[stop.mode];
      patch.stopRequest = {
        ...stop,
        outcome: 'CONFIRMED',
        message: `Slurm confirms job ${remote.remoteJobId} ${remote.state}`,
      };
    } else {
      const o = OUTCOME[remote.outcome ?? 'failed'];
      target = o.status;
      condition =
        remote.outcome === 'failed' && remote.exitSignal ? 'JOB_KILLED_BY_SIGNAL' : o.condition;
      if (stop) {
        patch.stopRequest = {
          ...stop,
          outcome: 'TOO_LATE',
          message: `job ${remote.remoteJobId} had already ended (${remote.state}) when the stop was requested`,
        };
      }
    }
    set('condition', condition);
    set('exitCode', remote.exitCode);
    set('exitSignal', remote.exitSignal);
    set('ended', remote.ended ?? now.toISOString());
    set('remoteDone', true);
    set('lastMessage', describeEnd(target, condition, remote));
  }

  const steps = stepsTo(job.status, target, { reachedScheduler: true, ran }).map((status) => ({
    status,
    description: describeStep(status, remote),
  }));
  if (steps.length === 0 && Object.keys(patch).length === 0) return null;
  return { steps, patch, expectStatus: [job.status] };
}

/** Slurm's word for an end that a stop request (scancel, a signal) would have caused. */
function endedLikeAStop(remote: RemoteJob): boolean {
  return remote.outcome === 'cancelled' || (remote.outcome === 'failed' && !!remote.exitSignal);
}

/** Slurm keeps whole seconds: a job ended before the signal only if it ended in an earlier second. */
function endedBefore(ended: string | null, signalledAt: string): boolean {
  if (!ended) return false;
  return Date.parse(ended) < Math.floor(Date.parse(signalledAt) / 1000) * 1000;
}

function describeStep(status: JobStatus, remote: RemoteJob): string {
  const slurm = `Slurm job ${remote.remoteJobId}`;
  switch (status) {
    case 'PENDING':
      return `${slurm} is queued (${remote.state}${remote.reason ? `, ${remote.reason}` : ''})`;
    case 'RUNNING':
      return `${slurm} is running`;
    default:
      return `${slurm} ended: ${remote.state}, exit ${remote.exitCode ?? '?'}:${remote.exitSignal ?? '?'}`;
  }
}

function describeEnd(status: JobStatus, condition: JobCondition, remote: RemoteJob): string {
  return `${status} (${condition}); Slurm says ${remote.state}, exit code ${remote.exitCode ?? '?'}, signal ${remote.exitSignal ?? '?'}`;
}
