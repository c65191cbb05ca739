import type { Job, JobEvent } from '@hpcgate/sdk';
import type { Row } from '../../output.js';
import { arrayText, taskCountsLine } from './array-views.js';

/** One line of `jobs list` (and of every table of jobs). */
export function jobRow(job: Job): Row {
  return {
    id: job.id,
    name: job.name,
    status: job.status,
    condition: job.condition,
    remoteId: job.remoteJobId,
    created: shortTime(job.created),
  };
}

/** `jobs get`: the fields a person looks at; `--json` has everything. */
export function jobFields(job: Job): Row {
  const stop = job.stopRequest;
  return {
    id: job.id,
    name: job.name,
    owner: job.owner,
    execSystemId: job.execSystemId,
    status: job.status,
    condition: job.condition,
    // A job array's counts, beside the status they sum up; a job of one part has no such line.
    tasks: job.tasks ? taskCountsLine(job.tasks) : undefined,
    lastMessage: job.lastMessage,
    remoteJobId: job.remoteJobId,
    remoteUser: job.remoteUser,
    remoteState: job.remoteState,
    remoteReason: job.remoteReason,
    exitCode: job.exitCode,
    exitSignal: job.exitSignal,
    created: job.created,
    remoteSubmitted: job.remoteSubmitted,
    remoteStarted: job.remoteStarted,
    ended: job.ended,
    lastUpdated: job.lastUpdated,
    stopRequest:
      stop && `${stop.mode} by ${stop.requestedBy} at ${stop.requestedAt}: ${stop.outcome}`,
    partition: job.partition,
    nodes: job.nodes,
    cpusPerTask: job.cpusPerTask,
    memoryMB: job.memoryMB,
    maxMinutes: job.maxMinutes,
    array: job.array ? arrayText(job.array) : undefined,
    workingDir: job.workingDir,
    tags: job.tags,
    description: job.description,
    exclusiveKey: job.exclusiveKey,
    hidden: job.hidden,
    resubmittedFrom: job.resubmittedFrom,
    resubmittedAs: job.resubmittedAs,
    // The script can be long, and env values can be secrets: see --json for them.
    command: job.command ?? undefined,
    script: job.script === null ? undefined : `(${job.script.split('\n').length} lines)`,
    args: job.args,
    env: Object.keys(job.env),
  };
}

export function eventRow(e: JobEvent): Row {
  return {
    seq: e.seq,
    at: shortTime(e.at),
    event: e.event,
    status: e.status,
    actor: e.actor,
    description: e.description,
  };
}

/** `RUNNING (Slurm job 42)`, `FAILED (JOB_EXIT_NONZERO, exit code 1)`. */
export function stateText(job: Job): string {
  const notes: string[] = [];
  if (job.condition) notes.push(job.condition);
  if (job.exitCode !== null && job.status !== 'RUNNING') notes.push(`exit code ${job.exitCode}`);
  if (job.remoteJobId) notes.push(`Slurm job ${job.remoteJobId}`);
  return notes.length ? `${job.status} (${notes.join(', ')})` : job.status;
}

/** `2026-11-23T10:00:00.123Z` → `2026-11-23T10:00:00Z`. */
export function shortTime(iso: string): string {
  return iso.replace(/\.\d+Z$/, 'Z');
}
