import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';
import { drainingArray, summary } from './array-fixtures.js';
import { unmatchedRequests } from './streams.js';

useNock();
const unmatched = unmatchedRequests();

const cancelRoute = `/v3/jobs/${aJob.id}/cancel`;

describe('jobs cancel --drain (and --interrupt)', () => {
  it('--drain asks for a drain and says what still runs and what was skipped', async () => {
    gateway().post(cancelRoute, { mode: 'drain' }).reply(202, drainingArray);
    const r = await run(['jobs', 'cancel', aJob.id, '--drain']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`drain requested for ${aJob.id}: job is RUNNING (3 running, 40 skipped)\n`);
    // Honest words: running tasks go on, so nothing is "cancelled" or "drained" yet.
    expect(r.out + r.err).not.toMatch(/cancelled|drained/i);
  });

  it('--mode drain is the same request; a job of one part is shown as any other', async () => {
    const { tasks: _, array: __, ...single } = drainingArray;
    gateway().post(cancelRoute, { mode: 'drain' }).reply(202, single);
    const r = await run(['jobs', 'cancel', aJob.id, '--mode', 'drain']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`drain requested for ${aJob.id}: job is RUNNING (Slurm job 42)\n`);
  });

  it('a drain that ended the array: cancelled, with what ran and what was skipped', async () => {
    gateway()
      // No event stream here: the gateway holds the answer for the wait.
      .get(`/v3/jobs/${aJob.id}/events`)
      .reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'))
      .post(cancelRoute, (body: { mode?: string }) => body.mode === 'drain')
      .reply(200, {
        ...drainingArray,
        status: 'CANCELLED',
        condition: 'DRAINED_BY_USER',
        tasks: summary({ SUCCEEDED: 3, SKIPPED: 40 }),
        stopRequest: { ...drainingArray.stopRequest, outcome: 'CONFIRMED' },
      });
    const r = await run(['jobs', 'cancel', aJob.id, '--drain', '--wait', '30']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `cancelled ${aJob.id}: job is CANCELLED (DRAINED_BY_USER, 3 succeeded, 40 skipped)\n`,
    );
  });

  it('a drain with nothing left to skip: the job ended its own way, and the line says so', async () => {
    gateway()
      .post(cancelRoute, { mode: 'drain' })
      .reply(200, {
        ...drainingArray,
        status: 'FINISHED',
        condition: 'NORMAL_COMPLETION',
        exitCode: 0,
        tasks: summary({ SUCCEEDED: 43 }),
        stopRequest: { ...drainingArray.stopRequest, outcome: 'CONFIRMED' },
      });
    const r = await run(['jobs', 'cancel', aJob.id, '--drain']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `drained ${aJob.id}: nothing was left to skip; job is FINISHED (NORMAL_COMPLETION, 43 succeeded)\n`,
    );
  });

  it('a job that had ended before the drain reached it is not called drained', async () => {
    gateway()
      .post(cancelRoute, { mode: 'drain' })
      .reply(200, {
        ...drainingArray,
        status: 'FAILED',
        condition: 'JOB_EXIT_NONZERO',
        tasks: summary({ SUCCEEDED: 42, FAILED: 1 }),
        stopRequest: { ...drainingArray.stopRequest, outcome: 'TOO_LATE' },
      });
    const r = await run(['jobs', 'cancel', aJob.id, '--drain']);
    expect(r.out).toBe(
      `job ${aJob.id} ended FAILED (JOB_EXIT_NONZERO, 42 succeeded, 1 failed) before the drain took effect\n`,
    );
  });

  it('--interrupt is --mode interrupt', async () => {
    gateway().post(cancelRoute, { mode: 'interrupt' }).reply(202, aJob);
    const r = await run(['jobs', 'cancel', aJob.id, '--interrupt']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`interrupt requested for ${aJob.id}: job is RUNNING (Slurm job 42)\n`);
  });

  it('--drain with --mode drain says one thing twice: accepted', async () => {
    gateway().post(cancelRoute, { mode: 'drain' }).reply(202, drainingArray);
    const r = await run(['jobs', 'cancel', aJob.id, '--drain', '--mode', 'drain']);
    expect(r.code).toBe(ExitCode.OK);
  });

  it.each([
    [['--drain', '--mode', 'force-stop'], /give one stop mode, not --mode force-stop and --drain/],
    [['--drain', '--interrupt'], /give one stop mode, not --drain and --interrupt/],
    [['--interrupt', '--mode', 'cancel'], /not --mode cancel and --interrupt/],
  ])('%j: two different modes are a usage error, and nothing is sent', async (flags, message) => {
    const r = await run(['jobs', 'cancel', aJob.id, ...flags]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
    expect(unmatched()).toEqual([]);
  });
});
