import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, gateway, run, useNock } from '../../fixtures.js';

useNock();

const events = [
  {
    seq: 1,
    at: '2026-11-23T10:00:00.000Z',
    event: 'JOB_CREATED',
    status: 'PROCESSING_INPUTS',
    actor: 'alice',
    description: 'submitted',
  },
  {
    seq: 2,
    at: '2026-11-23T10:00:01.000Z',
    event: 'STATUS_CHANGED',
    status: 'RUNNING',
    actor: null,
    description: 'Slurm says RUNNING',
  },
];

describe('jobs history', () => {
  it('prints the events as a table', async () => {
    gateway().get(`/v3/jobs/${aJob.id}/history`).reply(200, { jobId: aJob.id, events });
    const r = await run(['jobs', 'history', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^SEQ +AT +EVENT +STATUS +ACTOR +DESCRIPTION$/);
    expect(lines[1]).toMatch(/^1 +2026-11-23T10:00:00Z +JOB_CREATED +PROCESSING_INPUTS +alice/);
    expect(lines[2]).toMatch(/STATUS_CHANGED +RUNNING +- +Slurm says RUNNING$/);
  });

  it('--json prints { jobId, events }', async () => {
    gateway().get(`/v3/jobs/${aJob.id}/history`).reply(200, { jobId: aJob.id, events });
    const r = await run(['jobs', 'history', aJob.id, '--json']);
    expect(r.json()).toEqual({ jobId: aJob.id, events });
  });
});
