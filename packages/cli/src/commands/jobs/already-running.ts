import { CliError, ExitCode } from '../../errors.js';

/**
 * A singleton refused (409 JOB_ALREADY_RUNNING) as one line that says which job holds the key
 * and the command that stops it; anything else is rethrown as it is. By name and code, not by
 * class: this module does not load the SDK.
 */
export function explainAlreadyRunning(err: unknown): never {
  const e = err as {
    name?: string;
    code?: string;
    job?: { id: string | null; name: string | null; status: string | null; since: string | null };
  };
  if (e?.name !== 'ConflictError' || e.code !== 'JOB_ALREADY_RUNNING' || !e.job?.id) throw err;
  const { id, name, status, since } = e.job;
  throw new CliError(
    `job ${id} (${name ?? 'unnamed'}) is already running: ${status ?? 'unknown'} since ${
      since ?? 'unknown'
    }; stop it with: hpcgate jobs cancel ${id}`,
    ExitCode.CONFLICT,
  );
}
