import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import {
  aJob,
  apiError,
  cancelled,
  expectOneErrorLine,
  gateway,
  otherJob,
  run,
  useNock,
} from '../../fixtures.js';

useNock();

const notCancellable = (id: string, status: string) =>
  apiError('JOB_NOT_CANCELLABLE', `job ${id} is ${status}: only … can be stopped`, {
    jobId: id,
    status,
  });

describe('jobs cancel', () => {
  it('202 with a RUNNING job: "cancel requested", never "cancelled"', async () => {
    gateway().post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel' }).reply(202, aJob);
    const r = await run(['jobs', 'cancel', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`cancel requested for ${aJob.id}: job is RUNNING (Slurm job 42)\n`);
    expect(r.out + r.err).not.toMatch(/cancelled/i);
  });

  it('200 with a CANCELLED job: "cancelled"', async () => {
    gateway().post(`/v3/jobs/${aJob.id}/cancel`).reply(200, cancelled);
    const r = await run(['jobs', 'cancel', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `cancelled ${aJob.id}: job is CANCELLED (CANCELLED_BY_USER, Slurm job 42)\n`,
    );
  });

  it('a job that ended on its own meanwhile is not called cancelled', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'interrupt', wait: 5 })
      .reply(200, { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION', exitCode: 0 });
    const r = await run(['jobs', 'cancel', aJob.id, '--mode', 'interrupt', '--wait', '5']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `job ${aJob.id} ended FINISHED (NORMAL_COMPLETION, exit code 0, Slurm job 42) before the interrupt took effect\n`,
    );
  });

  it('409: not cancellable → exit 3, one line', async () => {
    gateway().post(`/v3/jobs/${aJob.id}/cancel`).reply(409, notCancellable(aJob.id, 'FINISHED'));
    const r = await run(['jobs', 'cancel', aJob.id]);
    expect(r.code).toBe(ExitCode.CONFLICT);
    expect(r.out).toBe('');
    expectOneErrorLine(
      r.err,
      new RegExp(`job ${aJob.id} was not stopped: it had already ended FINISHED`),
    );
  });

  it.each([
    [404, ExitCode.NOT_FOUND, apiError('JOB_NOT_FOUND', `job ${aJob.id} not found`)],
    [401, ExitCode.AUTH, apiError('UNAUTHENTICATED', 'missing or invalid token')],
  ])('HTTP %i → exit %i', async (status, code, body) => {
    gateway().post(`/v3/jobs/${aJob.id}/cancel`).reply(status, body);
    const r = await run(['jobs', 'cancel', aJob.id]);
    expect(r.code).toBe(code);
    expectOneErrorLine(r.err, /./);
  });

  it('several ids: each reported; the exit code is the worst', async () => {
    const missing = '0e0e0e0e-0000-4000-8000-000000000000';
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`)
      .reply(202, aJob)
      .post(`/v3/jobs/${otherJob.id}/cancel`)
      .reply(409, notCancellable(otherJob.id, 'FAILED'))
      .post(`/v3/jobs/${missing}/cancel`)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${missing} not found`));
    const r = await run(['jobs', 'cancel', aJob.id, otherJob.id, missing]);
    expect(r.code).toBe(ExitCode.CONFLICT);
    expect(r.out).toBe(`cancel requested for ${aJob.id}: job is RUNNING (Slurm job 42)\n`);
    expect(r.err).toBe(
      `hpcgate: job ${otherJob.id} was not stopped: it had already ended FAILED\n` +
        `hpcgate: job ${missing} not found\n`,
    );
  });

  it('--json: one result per id, and nothing else on stdout', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`)
      .reply(202, aJob)
      .post(`/v3/jobs/${otherJob.id}/cancel`)
      .reply(409, notCancellable(otherJob.id, 'FAILED'));
    const r = await run(['jobs', 'cancel', aJob.id, otherJob.id, '--json']);
    expect(r.code).toBe(ExitCode.CONFLICT);
    expect(r.json()).toMatchObject({
      mode: 'cancel',
      results: [
        { jobId: aJob.id, outcome: 'requested', status: 'RUNNING' },
        { jobId: otherJob.id, outcome: 'not_cancellable', status: 'FAILED', job: null },
      ],
    });
  });

  it('--wait <id>: the id is not taken for the number; waits with no limit', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel', wait: 300 })
      .reply(202, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, cancelled);
    const r = await run(['jobs', 'cancel', '--wait', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^cancelled /);
  });

  it('--wait N: still running after N s → exit 5, and says so', async () => {
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel', wait: 0.3 })
      .reply(202, aJob)
      // How many polls fit in 0.3 s depends on the machine's load: one is certain, more may come.
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob)
      .get(`/v3/jobs/${aJob.id}`)
      .times(10)
      .optionally()
      .reply(200, aJob);
    const r = await run(['jobs', 'cancel', aJob.id, '--wait', '0.3']);
    expect(r.code).toBe(ExitCode.SERVER);
    expect(r.out).toBe('');
    expectOneErrorLine(
      r.err,
      new RegExp(`cancel requested for ${aJob.id}, but after 0.3 s the job is still RUNNING`),
    );
  });

  it('no ids is a usage error', async () => {
    const r = await run(['jobs', 'cancel']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /name the jobs to cancel/);
  });

  it('an unknown mode is a usage error, and nothing is sent', async () => {
    const r = await run(['jobs', 'cancel', aJob.id, '--mode', 'kill']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /Invalid values/);
  });
});
