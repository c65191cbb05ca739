import { randomBytes } from 'node:crypto';
import type { Job } from '@hpcgate/sdk';
import type { TestSsh } from '../ssh.js';

export interface SlurmJob {
  id: string;
  name: string;
  /** `hpcgate:<gateway job id>`: the tag the gateway gives each job it submits. */
  comment: string;
  state: string;
}

/** The gateway job id a Slurm job's comment names (scheduler/slurm/parse.ts's TAG_PREFIX). */
export const gatewayIdOf = (job: SlurmJob): string | null =>
  job.comment.startsWith('hpcgate:') ? job.comment.slice('hpcgate:'.length) : null;

/**
 * Every job of the account whose name starts with `prefix` that the controller holds, finished
 * ones too (the sandbox keeps them for an hour: MinJobAge).
 */
export async function slurmJobsNamed(
  ssh: TestSsh,
  account: string,
  prefix: string,
): Promise<SlurmJob[]> {
  const out = await ssh.run(
    `squeue --noheader --states=all --users=${account} --format='%i|%j|%k|%T'`,
  );
  return out
    .split('\n')
    .filter(Boolean)
    .map((line) => {
      const [id = '', name = '', comment = '', state = ''] = line.split('|');
      return { id, name, comment, state };
    })
    .filter((j) => j.name.startsWith(prefix));
}

/**
 * The gateway jobs whose `remoteJobId` is not the one Slurm job carrying their tag: none when
 * each job was submitted exactly once and recorded as such.
 */
export function unmatchedJobs(jobs: readonly Job[], slurm: readonly SlurmJob[]): string[] {
  const carrying = new Map<string, string[]>();
  for (const s of slurm) {
    const id = gatewayIdOf(s);
    if (id) carrying.set(id, [...(carrying.get(id) ?? []), s.id]);
  }
  return jobs
    .filter((j) => {
      const ids = carrying.get(j.id) ?? [];
      return ids.length !== 1 || ids[0] !== j.remoteJobId;
    })
    .map(
      (j) =>
        `${j.id} (${j.status}, remoteJobId ${j.remoteJobId}, tagged in Slurm: ${carrying.get(j.id)?.join(',') ?? 'none'})`,
    );
}

const ACTIVE = new Set(['PENDING', 'RUNNING', 'CONFIGURING', 'COMPLETING', 'SUSPENDED']);

/**
 * Cancels, as their own account (no other may), the account's jobs named `prefix…` that Slurm
 * still runs or queues: the backstop that keeps a failed test from leaving jobs on the cluster.
 */
export async function cancelSlurmJobsNamed(
  accountSsh: TestSsh,
  account: string,
  prefix: string,
): Promise<number> {
  const active = (await slurmJobsNamed(accountSsh, account, prefix)).filter((j) =>
    ACTIVE.has(j.state),
  );
  if (active.length > 0) await accountSsh.run(`scancel ${active.map((j) => j.id).join(' ')}`);
  return active.length;
}

/** A prefix for one test's job names: its own, so that its jobs are told apart on the cluster. */
export const uniquePrefix = (what: string): string =>
  `rep-${what}-${randomBytes(3).toString('hex')}-`;
