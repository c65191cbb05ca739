import type { Job, JobStatus } from '@hpcgate/contract';

/** The job that holds a singleton key, as a refused submit names it. */
export interface KeyHolder {
  jobId: string;
  name: string;
  status: JobStatus;
  /** When it reached its status: accepted, queued by Slurm, or started. */
  since: string;
  exclusiveKey: string;
}

export function keyHolder(
  job: Pick<
    Job,
    'id' | 'name' | 'status' | 'created' | 'remoteSubmitted' | 'remoteStarted' | 'exclusiveKey'
  >,
): KeyHolder {
  const since =
    job.status === 'RUNNING'
      ? (job.remoteStarted ?? job.remoteSubmitted ?? job.created)
      : job.status === 'PENDING'
        ? (job.remoteSubmitted ?? job.created)
        : job.created;
  return {
    jobId: job.id,
    name: job.name,
    status: job.status,
    since,
    exclusiveKey: job.exclusiveKey ?? job.name,
  };
}

/**
 * A singleton submit while another job of the owner with the same key has not ended: 409
 * JOB_ALREADY_RUNNING, naming that job and how to stop it. Nothing is stored or sent to Slurm.
 */
export class JobAlreadyRunningError extends Error {
  override name = 'JobAlreadyRunningError';
  constructor(readonly holder: KeyHolder) {
    const { jobId, name, status, since, exclusiveKey } = holder;
    // The key is the name unless the submit gave one: then say which key, and the holder's name.
    const who =
      exclusiveKey === name
        ? `A job named ${name} is already running: job ${jobId}`
        : `A job with exclusive key ${exclusiveKey} is already running: job ${jobId} named ${name}`;
    super(`${who} (${status} since ${since}). To stop it: POST /v3/jobs/${jobId}/cancel`);
  }
}

/**
 * The key a submit asks to hold: `exclusiveKey`, else the name with `exclusive: true`, else none
 * (null: not a singleton).
 */
export function exclusiveKeyOf(params: {
  name: string;
  exclusive?: boolean;
  exclusiveKey?: string;
}): string | null {
  return params.exclusiveKey ?? (params.exclusive ? params.name : null);
}
