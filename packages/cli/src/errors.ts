import {
  AuthenticationError,
  ConflictError,
  ConnectionError,
  HpcgateError,
  NotFoundError,
  PermissionDeniedError,
  ServerError,
} from '@hpcgate/sdk';

/** Documented exit codes: scripts branch on them. */
export const ExitCode = {
  OK: 0,
  USAGE: 1,
  NOT_FOUND: 2,
  CONFLICT: 3,
  AUTH: 4,
  SERVER: 5,
} as const;

/** An error the CLI reports with a one-line reason and a given exit code. */
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
  }
}

/** Maps any failure to its exit code and one line for stderr. */
export function toCliError(err: unknown): CliError {
  if (err instanceof CliError) return err;
  if (err instanceof NotFoundError) return new CliError(err.message, ExitCode.NOT_FOUND);
  if (err instanceof ConflictError) return new CliError(err.message, ExitCode.CONFLICT);
  if (err instanceof AuthenticationError || err instanceof PermissionDeniedError) {
    return new CliError(err.message, ExitCode.AUTH);
  }
  if (err instanceof ServerError || err instanceof ConnectionError) {
    return new CliError(err.message, ExitCode.SERVER);
  }
  if (err instanceof HpcgateError) return new CliError(err.message, ExitCode.SERVER);
  return new CliError((err as Error)?.message ?? String(err), ExitCode.USAGE);
}
