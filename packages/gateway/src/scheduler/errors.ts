/** Failures of the way to a scheduler, independent of which scheduler it is. */
export class SchedulerUnavailableError extends Error {
  override name = 'SchedulerUnavailableError';
  constructor(
    readonly systemId: string,
    message: string,
  ) {
    super(message);
  }
}

export class SchedulerTimeoutError extends Error {
  override name = 'SchedulerTimeoutError';
  constructor(
    readonly systemId: string,
    message: string,
  ) {
    super(message);
  }
}

export class SchedulerOutputTooLargeError extends Error {
  override name = 'SchedulerOutputTooLargeError';
  constructor(
    readonly systemId: string,
    message: string,
  ) {
    super(message);
  }
}

/** The scheduler answered, but not in a way we can use (e.g. sbatch refused the job). */
export class SchedulerCommandError extends Error {
  override name = 'SchedulerCommandError';
  constructor(
    readonly systemId: string,
    message: string,
    readonly exitCode: number | null,
    readonly stderr: string,
  ) {
    super(message);
  }
}
