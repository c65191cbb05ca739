import type { Job } from '@hpcgate/sdk';
import { beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import {
  aJob,
  apiError,
  expectOneErrorLine,
  gateway,
  otherJob,
  run,
  useNock,
} from '../../fixtures.js';
import { heldStreams, start, unmatchedRequests, until } from './streams.js';

useNock();
const heldStream = heldStreams();
const unmatched = unmatchedRequests();

const newJob: Job = { ...aJob, id: '7a7a7a7a-1111-4222-8333-444444444444', name: 'new-job' };
let seq = 0;
beforeEach(() => {
  seq = 0;
});
const event = (job: Job, status: string, description: string, ev = 'STATUS_CHANGED') => ({
  jobId: job.id,
  seq: ++seq,
  at: `2026-11-23T10:01:0${seq % 10}.000Z`,
  event: ev,
  status,
  actor: null,
  description,
});

/** The all-jobs stream, open; `listening` says once the CLI has it. */
function allJobsStream(query: Record<string, string> = {}) {
  const stream = heldStream();
  const state = { listening: false };
  gateway()
    .get('/v3/jobs/events')
    .query(query)
    .reply(
      200,
      () => {
        state.listening = true;
        return stream.body;
      },
      { 'content-type': 'text/event-stream' },
    );
  return { ...stream, state };
}

/** Ctrl-C, as the terminal sends it; in a test process only the command listens. */
const ctrlC = () => process.emit('SIGINT');

/** What a live view shows now: the text after its last clear-screen. */
const screen = (out: string) => out.slice(out.lastIndexOf('\u001b[H\u001b[J') + 6);

describe('jobs watch (all jobs)', () => {
  it('without a terminal: one line per change, names included; Ctrl-C ends it with exit 0', async () => {
    const before = process.listenerCount('SIGINT');
    const stream = allJobsStream({ name: 'sweep-*' });
    let listedAfterListening: boolean | undefined;
    gateway()
      .get('/v3/jobs/list')
      .query({ status: 'RUNNING', name: 'sweep-*' })
      .reply(() => {
        listedAfterListening = stream.state.listening;
        return [200, { jobs: [aJob], nextCursor: null }];
      })
      .get(`/v3/jobs/${newJob.id}`)
      .reply(200, newJob);
    const r = start(['jobs', 'watch', '--status', 'RUNNING', '--name', 'sweep-*']);
    await until(() => listedAfterListening !== undefined);
    stream.event(101, event(aJob, 'RUNNING', 'Slurm says RUNNING'));
    // Out of --status: the job leaves, without a line.
    stream.event(102, event(aJob, 'FINISHED', 'Slurm says COMPLETED'));
    // Not on the board and not RUNNING: nothing, not even a read of the job.
    stream.event(103, event(otherJob, 'PENDING', 'queued', 'JOB_CREATED'));
    stream.event(104, event(newJob, 'RUNNING', 'Slurm says RUNNING'));
    await until(() => r.out().includes('new-job'));
    ctrlC();
    expect(await r.done).toBe(ExitCode.OK);
    expect(r.out().trimEnd().split('\n')).toEqual([
      `2026-11-23T10:01:01Z ${aJob.id} sweep-1 RUNNING STATUS_CHANGED Slurm says RUNNING`,
      `2026-11-23T10:01:04Z ${newJob.id} new-job RUNNING STATUS_CHANGED Slurm says RUNNING`,
    ]);
    expect(r.err()).toBe('');
    expect(listedAfterListening).toBe(true);
    expect(unmatched()).toEqual([]);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });

  it('on a terminal: a table redrawn in place as events come', async () => {
    const stream = allJobsStream();
    gateway()
      .get('/v3/jobs/list')
      .reply(200, { jobs: [aJob, otherJob], nextCursor: null });
    const r = start(['jobs', 'watch'], { stdoutTTY: true });
    await until(() => r.out().includes('sweep-2'));
    expect(screen(r.out())).toBe(
      [
        'ID                                    NAME     STATUS   UPDATED               LAST_EVENT',
        `${aJob.id}  sweep-1  RUNNING  2026-11-23T10:00:01Z  -`,
        `${otherJob.id}  sweep-2  RUNNING  2026-11-23T10:00:01Z  -`,
        '',
        '(live: Ctrl-C to stop)',
        '',
      ].join('\n'),
    );
    stream.event(7, event(otherJob, 'FAILED', 'exit code 1'));
    await until(() => screen(r.out()).includes('FAILED'));
    ctrlC();
    expect(await r.done).toBe(ExitCode.OK);
    expect(screen(r.out()).split('\n').slice(1, 3)).toEqual([
      `${aJob.id}  sweep-1  RUNNING  2026-11-23T10:00:01Z  -`,
      `${otherJob.id}  sweep-2  FAILED   2026-11-23T10:01:01Z  exit code 1`,
    ]);
  });

  it('--json: each event as a JSON line, --status applied; no list is read', async () => {
    const stream = allJobsStream({ tags: 'a,b' });
    const r = start(['jobs', 'watch', '--json', '--status', 'FAILED', '--tag', 'a', '--tags', 'b']);
    await until(() => stream.state.listening);
    const failed = event(otherJob, 'FAILED', 'exit code 1');
    stream.event(1, event(aJob, 'RUNNING', 'running'));
    stream.event(2, failed);
    await until(() => r.out().includes('FAILED'));
    ctrlC();
    expect(await r.done).toBe(ExitCode.OK);
    expect(
      r
        .out()
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([failed]);
    expect(unmatched()).toEqual([]);
  });

  it('filters with an id are a usage error; a gateway without the stream is exit 5', async () => {
    const both = await run(['jobs', 'watch', aJob.id, '--status', 'RUNNING']);
    expect(both.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(both.err, /leave out the id/);
    gateway().get('/v3/jobs/events').reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'));
    const before = process.listenerCount('SIGINT');
    const old = await run(['jobs', 'watch']);
    expect(old.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(old.err, /no event stream \(GET \/v3\/jobs\/events\)/);
    expect(process.listenerCount('SIGINT')).toBe(before);
  });
});
