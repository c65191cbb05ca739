import type { JobStatus } from '@hpcgate/contract';

/** A job that does not exist, or that the caller may not see: the two are never told apart. */
export class JobNotFoundError extends Error {
  override name = 'JobNotFoundError';
  constructor(readonly jobId: string) {
    super(`job ${jobId} not found`);
  }
}

export class JobNotCancellableError extends Error {
  override name = 'JobNotCancellableError';
  constructor(
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(
      `job ${jobId} is ${status}: only PROCESSING_INPUTS, PENDING and RUNNING jobs can be stopped`,
    );
  }
}

export class UnknownSystemError extends Error {
  override name = 'UnknownSystemError';
  constructor(readonly systemId: string) {
    super(`no execution system "${systemId}"`);
  }
}

export class InvalidJobRequestError extends Error {
  override name = 'InvalidJobRequestError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

/** The caller may not do this at all (not a matter of which job): 403. */
export class NotAllowedError extends Error {
  override name = 'NotAllowedError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}
