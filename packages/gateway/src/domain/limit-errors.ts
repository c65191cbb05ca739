/**
 * A user already has `limit` unfinished jobs (`limits.maxActiveJobsPerUser`): the submit is refused
 * with 429 TOO_MANY_ACTIVE_JOBS and Retry-After, and nothing is stored or sent to Slurm.
 */
export class TooManyActiveJobsError extends Error {
  override name = 'TooManyActiveJobsError';
  /** Seconds a client should wait before trying again (jobs end at their own pace). */
  readonly retryAfterSec = 30;
  constructor(
    readonly owner: string,
    readonly limit: number,
  ) {
    super(
      `you have ${limit} unfinished jobs, the most one user may have at once; wait for some to end or stop some`,
    );
  }
}
