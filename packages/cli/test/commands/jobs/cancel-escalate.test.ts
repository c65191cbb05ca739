import type { EscalationStep, Job, StopMode } from '@hpcgate/sdk';
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
import { unmatchedRequests } from './streams.js';

useNock();
const unmatched = unmatchedRequests();

const cancelRoute = `/v3/jobs/${aJob.id}/cancel`;

/** The job as the gateway answers a stop that escalates: its plan in `stopRequest.escalation`. */
function escalating(mode: StopMode, steps: EscalationStep[]): Job {
  return {
    ...aJob,
    stopRequest: {
      mode,
      requestedBy: 'alice',
      requestedAt: '2026-11-23T10:00:00.000Z',
      signalledAt: '2026-11-23T10:00:00.000Z',
      outcome: 'SIGNALLED',
      message: null,
      escalation: { steps, dueAt: '2026-11-23T10:00:30.000Z' },
    },
  };
}

describe('jobs cancel --escalate', () => {
  it('--escalate 30s: force-stop 30 s later if Slurm still runs it, and the line says when', async () => {
    const steps = [{ afterSeconds: 30, to: 'force-stop' as const }];
    gateway()
      .post(cancelRoute, { mode: 'cancel', escalate: steps })
      .reply(202, escalating('cancel', steps));
    const r = await run(['jobs', 'cancel', aJob.id, '--escalate', '30s']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `cancel requested for ${aJob.id}: job is RUNNING (Slurm job 42); force-stop at 2026-11-23T10:00:30Z if it still runs\n`,
    );
  });

  it('repeated: several steps in order, the target named after a colon', async () => {
    const steps = [
      { afterSeconds: 30, to: 'force-stop' as const },
      { afterSeconds: 60, to: 'terminate' as const },
    ];
    gateway()
      .post(cancelRoute, { mode: 'interrupt', escalate: steps })
      .reply(202, escalating('interrupt', steps));
    const r = await run([
      'jobs',
      'cancel',
      aJob.id,
      '--interrupt',
      '--escalate',
      '30s',
      '--escalate',
      '1m:terminate',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `interrupt requested for ${aJob.id}: job is RUNNING (Slurm job 42); force-stop at 2026-11-23T10:00:30Z, then terminate 60 s later if it still runs\n`,
    );
  });

  it('with --wait the plan goes with the cancel the gateway holds', async () => {
    const bodies: unknown[] = [];
    gateway()
      .get(`/v3/jobs/${aJob.id}/events`)
      .reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'))
      .post(cancelRoute, (body) => bodies.push(body) > 0)
      .reply(200, { ...cancelled, condition: 'FORCE_STOPPED_BY_USER' });
    const r = await run(['jobs', 'cancel', aJob.id, '--escalate', '5', '--wait', '20']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^cancelled .*FORCE_STOPPED_BY_USER/);
    expect(bodies).toEqual([
      {
        mode: 'cancel',
        escalate: [{ afterSeconds: 5, to: 'force-stop' }],
        wait: expect.any(Number),
      },
    ]);
  });

  it('no --escalate: no escalate in the request', async () => {
    gateway().post(cancelRoute, { mode: 'cancel' }).reply(202, aJob);
    const r = await run(['jobs', 'cancel', aJob.id]);
    expect(r.out).not.toMatch(/if it still runs/);
  });

  it.each([
    [['--escalate', 'soon'], /--escalate takes a delay such as 30s, 2m or 45 \(seconds\)/],
    [['--escalate', '0'], /the delay must be from 1 s to 24 h/],
    [
      ['--escalate', '30s:interrupt'],
      /escalates to cancel, force-stop, terminate, not "interrupt"/,
    ],
    [['--mode', 'force-stop', '--escalate', '30s'], /force-stop is not stronger than force-stop/],
    [['--mode', 'terminate', '--escalate', '30s:terminate'], /nothing is stronger than terminate/],
    [['--escalate', '30s', '--escalate', '60s'], /60s: force-stop is not stronger than force-stop/],
  ])('%j is one usage error, and nothing is sent', async (flags, message) => {
    // Two jobs named: a bad plan is still said once, not once per job.
    const r = await run(['jobs', 'cancel', aJob.id, otherJob.id, ...flags]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, message);
    expect(r.out).toBe('');
    expect(unmatched()).toEqual([]);
  });
});
