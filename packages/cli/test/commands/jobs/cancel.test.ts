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
import { heldStreams, unmatchedRequests } from './streams.js';

useNock();
const heldStream = heldStreams();
const unmatched = unmatchedRequests();

const historyEvent = (seq: number, status: string) => ({
  jobId: aJob.id,
  seq,
  at: `2026-11-23T10:00:0${seq}.000Z`,
  event: 'STATUS_CHANGED',
  status,
  actor: null,
  description: `now ${status}`,
});

/** The job's event stream, open and holding its history so far (RUNNING). */
function eventStream() {
  const stream = heldStream();
  stream.event(1, historyEvent(1, 'RUNNING'));
  gateway()
    .get(`/v3/jobs/${aJob.id}/events`)
    .reply(200, () => stream.body, { 'content-type': 'text/event-stream' });
  return stream;
}

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
    expect(unmatched()).toEqual([]);
  });

  it('a job that ended on its own meanwhile is not called cancelled', async () => {
    eventStream();
    gateway()
      // With the stream open, the SDK waits on it: the gateway is not asked to hold the answer.
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'interrupt' })
      .reply(200, { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION', exitCode: 0 });
    const r = await run(['jobs', 'cancel', aJob.id, '--mode', 'interrupt', '--wait', '5']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `job ${aJob.id} ended FINISHED (NORMAL_COMPLETION, exit code 0, Slurm job 42) before the interrupt took effect\n`,
    );
    expect(unmatched()).toEqual([]);
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

  it('--wait <id>: the id is not taken for the number; waits on the event stream, no limit', async () => {
    const stream = eventStream();
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel' })
      .reply(() => {
        // Slurm confirms the end a moment after the request was accepted.
        setImmediate(() => {
          stream.event(2, historyEvent(2, 'CANCELLED'));
          stream.named('end', { jobId: aJob.id, status: 'CANCELLED' });
        });
        return [202, aJob];
      })
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, cancelled);
    const r = await run(['jobs', 'cancel', '--wait', aJob.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      `cancelled ${aJob.id}: job is CANCELLED (CANCELLED_BY_USER, Slurm job 42)\n`,
    );
  });

  it('--wait N: still running after N s → exit 5, and says so', async () => {
    eventStream();
    gateway()
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel' })
      .reply(202, aJob)
      // Read once the wait is over: the job as it is then.
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob);
    const r = await run(['jobs', 'cancel', aJob.id, '--wait', '1']);
    expect(r.code).toBe(ExitCode.SERVER);
    expect(r.out).toBe('');
    expectOneErrorLine(
      r.err,
      new RegExp(`cancel requested for ${aJob.id}, but after 1 s the job is still RUNNING`),
    );
    expect(unmatched()).toEqual([]);
  });

  it('--wait N without an event stream: the gateway holds the answer for the wait', async () => {
    const waits: unknown[] = [];
    gateway()
      .get(`/v3/jobs/${aJob.id}/events`)
      .reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'))
      .post(`/v3/jobs/${aJob.id}/cancel`, (body: { wait?: unknown }) => waits.push(body.wait) > 0)
      .reply(200, cancelled);
    const r = await run(['jobs', 'cancel', aJob.id, '--wait', '20']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^cancelled /);
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThan(0);
    expect(waits[0]).toBeLessThanOrEqual(20);
    expect(unmatched()).toEqual([]);
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
