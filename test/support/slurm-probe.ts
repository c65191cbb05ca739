import type { TestSsh } from './ssh.js';

export interface ProbedJob {
  state: string;
  exitCode: string;
  userId: string;
}

/** Reads one job from the controller with `scontrol -o show job` (it keeps finished jobs for MinJobAge). */
export async function probeJob(ssh: TestSsh, jobId: string): Promise<ProbedJob> {
  const line = (await ssh.run(`scontrol -o show job ${Number(jobId)}`)).trim();
  const field = (name: string): string => {
    const m = new RegExp(`(?:^| )${name}=(\\S*)`).exec(line);
    if (!m) throw new Error(`scontrol output has no ${name}: ${line}`);
    return m[1]!;
  };
  return { state: field('JobState'), exitCode: field('ExitCode'), userId: field('UserId') };
}

/** Polls until the job's state satisfies `done`, and returns every distinct state seen on the way. */
export async function waitForState(
  ssh: TestSsh,
  jobId: string,
  done: (state: string) => boolean,
  timeoutMs = 30_000,
): Promise<{ job: ProbedJob; seen: string[] }> {
  const seen: string[] = [];
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const job = await probeJob(ssh, jobId);
    if (seen.at(-1) !== job.state) seen.push(job.state);
    if (done(job.state)) return { job, seen };
    if (Date.now() > deadline) {
      throw new Error(
        `job ${jobId} still ${job.state} after ${timeoutMs} ms (seen: ${seen.join(' → ')})`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}

export const isFinal = (state: string): boolean =>
  ['COMPLETED', 'FAILED', 'CANCELLED', 'TIMEOUT', 'OUT_OF_MEMORY', 'NODE_FAIL'].includes(state);
