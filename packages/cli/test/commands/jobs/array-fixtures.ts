import type { Job, JobTask, JobTasks, TaskSummary } from '@hpcgate/sdk';
import { aJob } from '../../fixtures.js';

/** Task counts with every status the gateway sends (zero unless given), and their total. */
export function summary(counts: Partial<TaskSummary['counts']>): TaskSummary {
  const all = { PENDING: 0, RUNNING: 0, SUCCEEDED: 0, FAILED: 0, CANCELED: 0, SKIPPED: 0 };
  const merged = { ...all, ...counts };
  return { total: Object.values(merged).reduce((a, b) => a + b, 0), counts: merged };
}

/** A job array of 43 tasks, drained: three still running, forty skipped. */
export const drainingArray: Job = {
  ...aJob,
  array: { indices: '1-43' },
  tasks: summary({ RUNNING: 3, SKIPPED: 40 }),
  stopRequest: {
    mode: 'drain',
    requestedBy: 'alice',
    requestedAt: '2026-11-23T10:00:00.000Z',
    signalledAt: '2026-11-23T10:00:00.000Z',
    outcome: 'DRAINING',
    message: null,
    escalation: null,
  },
};

/** Task `index`, as the gateway lists it; one that ran and ended unless its status says not. */
export function aTask(index: number, status: JobTask['status'] = 'SUCCEEDED'): JobTask {
  const ran = status !== 'PENDING' && status !== 'SKIPPED';
  const ended = ran && status !== 'RUNNING';
  return {
    index,
    name: null,
    status,
    remoteState: null,
    exitCode: ended ? (status === 'SUCCEEDED' ? 0 : 1) : null,
    started: ran ? '2026-11-23T10:00:00.123Z' : null,
    ended: ended ? '2026-11-23T10:01:00.456Z' : null,
  };
}

/** One page of `GET /v3/jobs/{id}/tasks`. */
export function aPage(tasks: JobTask[], nextSkip: number | null, counts: TaskSummary): JobTasks {
  return { jobId: aJob.id, summary: counts, tasks, nextSkip };
}
