import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';

useNock();

const jobId = aJob.id;
const event = (seq: number, status: string, ev: string, description: string) => ({
  jobId,
  seq,
  at: `2026-11-23T10:00:0${seq}.000Z`,
  event: ev,
  status,
  actor: null,
  description,
});
const created = event(1, 'PENDING', 'JOB_CREATED', 'submitted');
const running = event(2, 'RUNNING', 'STATUS_CHANGED', 'Slurm says RUNNING');

/** What the gateway streams for a job that ends `status` (nock sends it as one body). */
function sse(events: unknown[], status: string): string {
  return [
    'retry: 2000\n\n',
    ...events.map((e, i) => `id: ${i + 1}\ndata: ${JSON.stringify(e)}\n\n`),
    ': heartbeat\n\n',
    `event: end\ndata: ${JSON.stringify({ jobId, status })}\n\n`,
  ].join('');
}

function streams(body: string) {
  gateway()
    .get(`/v3/jobs/${jobId}/events`)
    .matchHeader('accept', 'text/event-stream')
    .reply(200, body, { 'content-type': 'text/event-stream' });
}

describe('jobs watch', () => {
  it('one line per event until the job ends; FINISHED is exit 0', async () => {
    const done = event(3, 'FINISHED', 'STATUS_CHANGED', 'Slurm says COMPLETED');
    streams(sse([created, running, done], 'FINISHED'));
    const r = await run(['jobs', 'watch', jobId]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(
      [
        '2026-11-23T10:00:01Z PENDING JOB_CREATED submitted',
        '2026-11-23T10:00:02Z RUNNING STATUS_CHANGED Slurm says RUNNING',
        '2026-11-23T10:00:03Z FINISHED STATUS_CHANGED Slurm says COMPLETED',
        '',
      ].join('\n'),
    );
    expect(r.err).toBe('');
  });

  it('--json: one JSON object per line', async () => {
    const done = event(3, 'FINISHED', 'STATUS_CHANGED', 'ok');
    streams(sse([created, done], 'FINISHED'));
    const r = await run(['jobs', 'watch', jobId, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([created, done]);
  });

  it('FAILED or CANCELLED is exit 6, with one line saying how it ended', async () => {
    for (const status of ['FAILED', 'CANCELLED']) {
      streams(sse([running, event(3, status, 'STATUS_CHANGED', 'over')], status));
      const r = await run(['jobs', 'watch', jobId]);
      expect(r.code).toBe(ExitCode.JOB_UNSUCCESSFUL);
      expect(r.out.trimEnd().split('\n')).toHaveLength(2);
      expectOneErrorLine(r.err, new RegExp(`job ${jobId} ended ${status}`));
    }
  });

  it('an unknown job is exit 2', async () => {
    gateway()
      .get(`/v3/jobs/${jobId}/events`)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${jobId} not found`, { jobId }));
    const r = await run(['jobs', 'watch', jobId]);
    expect(r.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(r.err, /not found/);
    expect(r.out).toBe('');
  });

  it('a gateway without the stream is exit 5, said plainly', async () => {
    gateway()
      .get(`/v3/jobs/${jobId}/events`)
      .reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'));
    const r = await run(['jobs', 'watch', jobId]);
    expect(r.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(r.err, /no event stream/);
  });

  it('escape sequences in a description do not reach the terminal', async () => {
    const evil = event(3, 'FINISHED', 'STATUS_CHANGED', 'bad\u001b[2Jname\nnext');
    streams(sse([evil], 'FINISHED'));
    const r = await run(['jobs', 'watch', jobId]);
    expect(r.out).toBe('2026-11-23T10:00:03Z FINISHED STATUS_CHANGED bad?[2Jname?next\n');
  });
});
