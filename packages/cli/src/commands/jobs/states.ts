import type { JobStatus, StopMode } from '@hpcgate/sdk';

// Local copies of the contract's lists: importing the contract would load zod at startup.
// Record<…, true> keeps them exact: a status or mode added to the contract fails typecheck here.
const STATUS_SET: Record<JobStatus, true> = {
  PROCESSING_INPUTS: true,
  PENDING: true,
  RUNNING: true,
  FINISHED: true,
  FAILED: true,
  CANCELLED: true,
};
const MODE_SET: Record<StopMode, true> = {
  cancel: true,
  interrupt: true,
  'force-stop': true,
  terminate: true,
  drain: true,
};

export const JOB_STATUSES = Object.keys(STATUS_SET) as JobStatus[];
export const STOP_MODES = Object.keys(MODE_SET) as StopMode[];

export function isJobStatus(s: string): s is JobStatus {
  return Object.hasOwn(STATUS_SET, s);
}

export function isTerminal(status: JobStatus): boolean {
  return status === 'FINISHED' || status === 'FAILED' || status === 'CANCELLED';
}
