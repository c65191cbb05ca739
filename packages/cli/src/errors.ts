/** Documented exit codes: scripts branch on them (see the README and `hpcgate --help`). */
export const ExitCode = {
  OK: 0,
  /** Bad usage or input, or a confirmation that was refused or not given. */
  USAGE: 1,
  NOT_FOUND: 2,
  /** The job is not in a state that allows it, e.g. not cancellable because it already ended. */
  CONFLICT: 3,
  /** 401 or 403. */
  AUTH: 4,
  /** The gateway failed, could not be reached, or did not answer (or the job) in time. */
  SERVER: 5,
  /** `--wait`: the job ended, but not FINISHED (FAILED or CANCELLED). */
  JOB_UNSUCCESSFUL: 6,
} as const;

/** An error the CLI reports with a one-line reason and a given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
    /** The handler already printed its own `hpcgate: …` lines (one per failed job). */
    readonly reported = false,
  ) {
    super(message);
  }
}

/**
 * The SDK's errors, by name rather than by class, so that this module does not load the SDK
 * (and axios) at startup; the SDK names every class explicitly.
 */
const CODE_BY_SDK_ERROR: Record<string, number> = {
  BadRequestError: ExitCode.USAGE,
  AuthenticationError: ExitCode.AUTH,
  PermissionDeniedError: ExitCode.AUTH,
  NotFoundError: ExitCode.NOT_FOUND,
  ConflictError: ExitCode.CONFLICT,
  RateLimitError: ExitCode.SERVER,
  ServerError: ExitCode.SERVER,
  APIError: ExitCode.SERVER,
  InvalidResponseError: ExitCode.SERVER,
  ConnectionError: ExitCode.SERVER,
  TimeoutError: ExitCode.SERVER,
  HpcgateError: ExitCode.SERVER,
  AbortError: ExitCode.USAGE,
};

/** Maps any failure to its exit code and one line for stderr. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof Error) {
    const code = CODE_BY_SDK_ERROR[err.name];
    if (err.name === 'BadRequestError') return new CliError(`invalid request: ${err.message}`, 1);
    if (code !== undefined) return new CliError(err.message, code);
    return new CliError(err.message, ExitCode.USAGE);
  }
  return new CliError(String(err), ExitCode.USAGE);
}

/** Several outcomes (one per job): the command exits with the highest code. */
export function worstExitCode(codes: number[]): number {
  return Math.max(ExitCode.OK, ...codes);
}

export function usage(message: string): CliError {
  return new CliError(message, ExitCode.USAGE);
}
