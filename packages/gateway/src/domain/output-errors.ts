import type { JobStatus } from '@hpcgate/contract';

/** A download bigger than the configured bound: the client asks for a Range instead. */
export class OutputTooLargeError extends Error {
  override name = 'OutputTooLargeError';
  constructor(
    readonly path: string,
    readonly size: number,
    readonly max: number,
  ) {
    super(
      `"${path}" is ${size} bytes to send, more than the ${max} one download may send: ask for a part of it with a Range header`,
    );
  }
}

/** A Range that starts past the file's end. */
export class RangeNotSatisfiableError extends Error {
  override name = 'RangeNotSatisfiableError';
  constructor(
    readonly path: string,
    readonly size: number,
  ) {
    super(`the range asked for starts past the end of "${path}" (${size} bytes)`);
  }
}

/** `allowIfRunning=false` on a job that has not ended. */
export class JobNotFinishedError extends Error {
  override name = 'JobNotFinishedError';
  constructor(
    readonly jobId: string,
    readonly status: JobStatus,
  ) {
    super(
      `job ${jobId} is ${status}: its files may still change; download with allowIfRunning=true to read them now`,
    );
  }
}
