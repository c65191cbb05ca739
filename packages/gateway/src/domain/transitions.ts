import type { JobStatus } from '@hpcgate/contract';

/** Every status change the lifecycle allows; anything else is a bug and is refused. */
const ALLOWED: Record<JobStatus, readonly JobStatus[]> = {
  PROCESSING_INPUTS: ['PENDING', 'FAILED', 'CANCELLED'],
  PENDING: ['RUNNING', 'FAILED', 'CANCELLED'],
  RUNNING: ['FINISHED', 'FAILED', 'CANCELLED'],
  FINISHED: [],
  FAILED: [],
  CANCELLED: [],
};

export class InvalidTransitionError extends Error {
  override name = 'InvalidTransitionError';
  constructor(
    readonly jobId: string,
    readonly from: JobStatus,
    readonly to: JobStatus,
  ) {
    super(`job ${jobId}: ${from} → ${to} is not a lifecycle transition`);
  }
}

export function canTransition(from: JobStatus, to: JobStatus): boolean {
  return ALLOWED[from].includes(to);
}

export function assertTransition(jobId: string, from: JobStatus, to: JobStatus): void {
  if (!canTransition(from, to)) throw new InvalidTransitionError(jobId, from, to);
}

/**
 * The lifecycle steps from `from` to `to`, for a job the scheduler has (`reachedScheduler`) and that
 * may have run (`ran`): a job first seen already running or ended went through PENDING (and
 * RUNNING, when it ran) on the way, and history records each step.
 */
export function stepsTo(
  from: JobStatus,
  to: JobStatus,
  { reachedScheduler, ran }: { reachedScheduler: boolean; ran: boolean },
): JobStatus[] {
  const steps: JobStatus[] = [];
  let at = from;
  if (at === 'PROCESSING_INPUTS' && to !== at && to !== 'PENDING' && reachedScheduler) {
    steps.push('PENDING');
    at = 'PENDING';
  }
  if (at === 'PENDING' && to !== at && to !== 'RUNNING' && (ran || to === 'FINISHED')) {
    steps.push('RUNNING');
    at = 'RUNNING';
  }
  if (at !== to) steps.push(to);
  return steps;
}
