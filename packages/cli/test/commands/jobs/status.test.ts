import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

describe('jobs status', () => {
  it('prints the status, and the condition once there is one', async () => {
    gateway()
      .get(`/v3/jobs/${aJob.id}/status`)
      .reply(200, { status: 'RUNNING', condition: null })
      .get(`/v3/jobs/${aJob.id}/status`)
      .reply(200, { status: 'FAILED', condition: 'JOB_EXIT_NONZERO' });
    expect((await run(['jobs', 'status', aJob.id])).out).toBe('RUNNING\n');
    expect((await run(['jobs', 'status', aJob.id])).out).toBe('FAILED (JOB_EXIT_NONZERO)\n');
  });

  it('--json prints { status, condition }', async () => {
    gateway().get(`/v3/jobs/${aJob.id}/status`).reply(200, { status: 'PENDING', condition: null });
    const r = await run(['--json', 'jobs', 'status', aJob.id]);
    expect(r.json()).toEqual({ status: 'PENDING', condition: null });
  });

  it('an unknown job → exit 2', async () => {
    gateway().get(`/v3/jobs/${aJob.id}/status`).reply(404, apiError('JOB_NOT_FOUND', 'not found'));
    const r = await run(['jobs', 'status', aJob.id]);
    expect(r.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(r.err, /not found/);
  });
});
