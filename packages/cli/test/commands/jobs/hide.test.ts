import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

describe('jobs hide and jobs unhide', () => {
  it('hide posts to the hide route and says the job is hidden; --json is the job', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/hide`, {})
      .reply(200, { ...aJob, hidden: true });
    const r = await run(['jobs', 'hide', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`id:      ${aJob.id}\nname:    sweep-1\nhidden:  true\n`);

    gateway()
      .post(`/v3/jobs/${aJob.id}/hide`, {})
      .reply(200, { ...aJob, hidden: true });
    const json = await run(['jobs', 'hide', aJob.id, '--json']);
    expect(json.json()).toMatchObject({ id: aJob.id, hidden: true });
  });

  it('unhide posts to the unhide route', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/unhide`, {})
      .reply(200, { ...aJob, hidden: false });
    const r = await run(['jobs', 'unhide', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^hidden: +false$/m);
  });

  it("another user's job → 404, exit 2, one line", async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/hide`)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${aJob.id} not found`, { jobId: aJob.id }));
    const r = await run(['jobs', 'hide', aJob.id]);
    expect(r.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(r.err, new RegExp(`job ${aJob.id} not found`));
  });

  it('no id → usage error, nothing sent', async () => {
    const r = await run(['jobs', 'unhide']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /Not enough non-option arguments/);
  });
});
