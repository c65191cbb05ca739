import type { Hpcgate, Job, JobStatus } from '@hpcgate/sdk';
import type { CommandContext } from '../../context.js';
import { CliError, ExitCode } from '../../errors.js';
import { startProgress } from '../../output.js';
import { stateText } from './views.js';

export interface WaitOptions {
  jobId: string;
  until?: JobStatus[];
  timeoutMs?: number;
  /** What the progress line says before the first answer. */
  initial?: string;
}

/**
 * `client.jobs.waitForJob` with a progress line on a terminal; giving up in time is exit 5 with a
 * message that says where the job was.
 */
export async function waitWithProgress(
  client: Hpcgate,
  ctx: CommandContext,
  { jobId, until, timeoutMs, initial = 'waiting' }: WaitOptions,
): Promise<Job> {
  let last: Job | undefined;
  const started = Date.now();
  const progress = startProgress(
    ctx.io,
    ctx.stderrIsTTY,
    () => `job ${jobId} ${last ? last.status : initial}`,
  );
  try {
    return await client.jobs.waitForJob({
      jobId,
      ...(until?.length ? { until } : {}),
      ...(timeoutMs !== undefined ? { timeoutMs } : {}),
      onPoll: (job) => {
        last = job;
      },
    });
  } catch (err) {
    // The SDK's TimeoutError is also a request that timed out: tell the two apart by the clock.
    const expired = timeoutMs !== undefined && Date.now() - started >= timeoutMs;
    if ((err as Error).name === 'TimeoutError' && last && expired) {
      throw new CliError(
        `timed out after ${timeoutMs! / 1000} s: job ${jobId} is still ${stateText(last)}`,
        ExitCode.SERVER,
      );
    }
    throw err;
  } finally {
    progress.stop();
  }
}

/** After `--wait`: FINISHED is success; a job that ended any other way is exit 6. */
export function requireFinished(job: Job): void {
  if (job.status !== 'FINISHED') {
    throw new CliError(`job ${job.id} ended ${stateText(job)}`, ExitCode.JOB_UNSUCCESSFUL);
  }
}
