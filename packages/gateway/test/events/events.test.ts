import { randomUUID } from 'node:crypto';
import { isTerminal, type JobStatus } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MAX_STREAMS_PER_USER } from '../../src/jobs/event-stream.js';
import { JobWriter } from '../../src/jobs/job-writer.js';
import type { JobRecord } from '../../src/store/job-store.js';
import { type ListeningApp, listeningApp } from '../http/offline-app.js';
import { openStream, payloads, type SseClient } from './sse-client.js';

interface StreamEvent {
  jobId: string;
  seq: number;
  event: string;
  status: JobStatus;
  actor: string | null;
  description: string;
  at: string;
}

let gw: ListeningApp;
/** The JobWriter the monitor's reconciler writes through: same store, same JobEvents. */
let writer: JobWriter;
const tokens = new Map<string, string>();

beforeAll(async () => {
  gw = await listeningApp();
  writer = new JobWriter(gw.app.store, gw.app.jobs.events);
  for (const user of ['alice', 'bob', 'carol', 'dave', 'erin']) {
    tokens.set(user, await gw.issuer.token(user));
  }
});
afterAll(async () => {
  await gw.app.close();
});

const auth = (user: string) => ({ authorization: `Bearer ${tokens.get(user)}` });

/**
 * A job stored as the service stores one, on a system no monitor watches (nothing else writes
 * it): PENDING, one JOB_CREATED event.
 */
async function createJob(owner: string, over: Partial<JobRecord> = {}): Promise<JobRecord> {
  const job: JobRecord = {
    ...sampleJob({
      id: randomUUID(),
      owner,
      execSystemId: 'elsewhere',
      status: 'PENDING',
      remoteJobId: null,
      remoteStarted: null,
      ...over,
    }),
    remoteDone: false,
  };
  await gw.app.store.create(job, { event: 'JOB_CREATED', actor: owner, description: 'created' });
  return job;
}

const step = (id: string, status: JobStatus, remoteDone = false) =>
  writer.apply(id, {
    steps: [{ status, description: `now ${status}` }],
    ...(isTerminal(status) && { patch: { remoteDone, ended: new Date().toISOString() } }),
  });
const note = (id: string, text: string) =>
  writer.apply(id, { events: [{ event: 'STOP_REQUESTED', actor: 'tester', description: text }] });

const open = (user: string, path: string, headers: Record<string, string> = {}) =>
  openStream(gw.port, path, { ...auth(user), ...headers });

describe('GET /v3/jobs/{jobId}/events', () => {
  it('replays the history, then pushes each change as it is written, in order, and ends after the terminal one', async () => {
    const job = await createJob('alice');
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/^text\/event-stream/);
    await s.until((e) => e.length === 1);
    expect(s.events[0]?.id).toBe('1');
    expect(payloads<StreamEvent>(s.events)[0]).toMatchObject({
      jobId: job.id,
      seq: 1,
      event: 'JOB_CREATED',
      status: 'PENDING',
      actor: 'alice',
      description: 'created',
    });

    // Each change reaches the stream before the next is written (speed is the bench's to show).
    const write = async (fn: () => Promise<unknown>) => {
      const n = s.events.length;
      await fn();
      await s.until((ev) => ev.length > n);
    };
    await write(() => step(job.id, 'RUNNING'));
    for (let i = 0; i < 8; i++) await write(() => note(job.id, `note ${i}`));
    await write(() => step(job.id, 'FINISHED', true));
    await s.ended;

    const got = payloads<StreamEvent>(s.events);
    expect(got.map((e) => e.seq)).toEqual([...Array(11).keys()].map((i) => i + 1));
    expect(s.events.filter((e) => e.id).map((e) => e.id)).toEqual(got.map((e) => String(e.seq)));
    expect(got[1]).toMatchObject({ event: 'STATUS_CHANGED', status: 'RUNNING' });
    expect(got[10]).toMatchObject({ event: 'STATUS_CHANGED', status: 'FINISHED' });
    // The same events as /history, plus the job id.
    const history = await gw.app.store.history(job.id);
    expect(got).toEqual(history.map((e) => ({ jobId: job.id, ...e })));
    // A last `end` event says the stream is over (not a dropped connection).
    const last = s.events.at(-1);
    expect(last?.event).toBe('end');
    expect(JSON.parse(last?.data ?? '{}')).toEqual({ jobId: job.id, status: 'FINISHED' });
    expect(gw.app.jobs.events.listenerCount(job.id)).toBe(0);
  });

  it('a terminal job still watched on Slurm stays open; once Slurm is done it ends', async () => {
    const job = await createJob('alice');
    await step(job.id, 'CANCELLED', false);
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    await s.until((e) => e.length === 2);
    let ended = false;
    void s.ended.then(() => {
      ended = true;
    });
    await new Promise((r) => setTimeout(r, 50));
    expect(ended).toBe(false);
    await writer.apply(job.id, { patch: { remoteDone: true } });
    await s.ended;
    expect(s.events.at(-1)?.event).toBe('end');
  });

  it('a job that had ended and left Slurm: the whole history, then the end, at once', async () => {
    const job = await createJob('alice');
    await step(job.id, 'RUNNING');
    await step(job.id, 'FAILED', true);
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    await s.ended;
    expect(payloads<StreamEvent>(s.events).map((e) => e.status)).toEqual([
      'PENDING',
      'RUNNING',
      'FAILED',
    ]);
    expect(s.events.at(-1)?.event).toBe('end');
    expect(gw.app.jobs.events.listenerCount(job.id)).toBe(0);
  });

  it('Last-Event-ID replays exactly the missed events, then goes on live', async () => {
    const job = await createJob('alice');
    await step(job.id, 'RUNNING');
    await note(job.id, 'a');
    await note(job.id, 'b'); // seq 4
    const s = await open('alice', `/v3/jobs/${job.id}/events?after=1`, { 'last-event-id': '2' });
    await s.until((e) => e.length === 2);
    await note(job.id, 'c');
    await step(job.id, 'FINISHED', true);
    await s.ended;
    expect(payloads<StreamEvent>(s.events).map((e) => e.seq)).toEqual([3, 4, 5, 6]);

    // `after` alone, and a cursor past the end: nothing replayed, the end at once.
    const t = await open('alice', `/v3/jobs/${job.id}/events?after=5`);
    await t.ended;
    expect(payloads<StreamEvent>(t.events).map((e) => e.seq)).toEqual([6]);
  });

  it('misses and repeats nothing while events are written during the replay', async () => {
    const job = await createJob('alice');
    for (let i = 0; i < 300; i++) await note(job.id, `before ${i}`);
    const writing = (async () => {
      for (let i = 0; i < 200; i++) {
        await note(job.id, `during ${i}`);
        if (i % 10 === 0) await new Promise((r) => setImmediate(r));
      }
    })();
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    await writing;
    await step(job.id, 'CANCELLED', true);
    await s.ended;
    const seqs = payloads<StreamEvent>(s.events).map((e) => e.seq);
    expect(seqs).toEqual([...Array(502).keys()].map((i) => i + 1));
  });

  it("another user's job is 404 JOB_NOT_FOUND, before any stream starts", async () => {
    const job = await createJob('bob');
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    expect(s.status).toBe(404);
    expect(JSON.parse(await s.body)).toEqual({
      error: { code: 'JOB_NOT_FOUND', message: expect.any(String), details: { jobId: job.id } },
    });
    expect(gw.app.jobs.events.listenerCount(job.id)).toBe(0);
  });

  it('refuses a Last-Event-ID that is not a cursor (400) and an anonymous caller (401)', async () => {
    const job = await createJob('alice');
    const bad = await open('alice', `/v3/jobs/${job.id}/events`, { 'last-event-id': 'abc' });
    expect(bad.status).toBe(400);
    expect(JSON.parse(await bad.body).error).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'headers.last-event-id' },
    });
    const anon = await openStream(gw.port, `/v3/jobs/${job.id}/events`, {});
    expect(anon.status).toBe(401);
  });

  it('a client that hangs up leaves no listener behind', async () => {
    const job = await createJob('alice');
    const events = gw.app.jobs.events;
    const before = events.listenerCount();
    const s = await open('alice', `/v3/jobs/${job.id}/events`);
    const all = await open('alice', '/v3/jobs/events');
    await s.until((e) => e.length === 1);
    expect(events.listenerCount(job.id)).toBe(1);
    expect(events.listenerCount()).toBe(before + 1);
    s.close();
    all.close();
    await waitFor(() => events.listenerCount(job.id) === 0 && events.listenerCount() === before);
    // And the slots are back: writes to the job do not fail for lack of a reader.
    await note(job.id, 'after hang-up');
  });
});

describe('GET /v3/jobs/events', () => {
  it("carries the caller's events only, with a global id to resume from", async () => {
    const s = await open('carol', '/v3/jobs/events');
    // Starts now: nothing replayed.
    const mine = await createJob('carol');
    const theirs = await createJob('dave');
    await step(theirs.id, 'RUNNING');
    await step(mine.id, 'RUNNING');
    await note(theirs.id, 'not for carol');
    await step(mine.id, 'FINISHED', true);
    await s.until((e) => e.length === 2);
    await new Promise((r) => setTimeout(r, 30));
    const got = payloads<StreamEvent>(s.events);
    // JOB_CREATED came with no notification (store.create): it is read with the next change.
    expect(got.map((e) => [e.jobId, e.seq, e.status])).toEqual([
      [mine.id, 1, 'PENDING'],
      [mine.id, 2, 'RUNNING'],
      [mine.id, 3, 'FINISHED'],
    ]);
    const ids = s.events.map((e) => Number(e.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(new Set(ids).size).toBe(ids.length);
    s.close();

    // Resume after the first: exactly the two after it, then live.
    const r = await open('carol', '/v3/jobs/events', { 'last-event-id': String(ids[0]) });
    await r.until((e) => e.length === 2);
    expect(r.events.map((e) => Number(e.id))).toEqual(ids.slice(1));
    const next = await createJob('carol');
    await step(next.id, 'RUNNING');
    await r.until((e) => e.length === 4);
    expect(
      payloads<StreamEvent>(r.events)
        .slice(2)
        .map((e) => [e.jobId, e.seq]),
    ).toEqual([
      [next.id, 1],
      [next.id, 2],
    ]);
    r.close();

    // `after=0`: the whole history of carol's jobs, never dave's.
    const all = await open('carol', '/v3/jobs/events?after=0');
    await all.until((e) => e.length === 5);
    await new Promise((r) => setTimeout(r, 30));
    expect(all.events).toHaveLength(5);
    expect(new Set(payloads<StreamEvent>(all.events).map((e) => e.jobId))).toEqual(
      new Set([mine.id, next.id]),
    );
    all.close();
  });

  it('filters by the events status, by name and by tags', async () => {
    const byStatus = await open('erin', '/v3/jobs/events?status=RUNNING,FAILED');
    const byName = await open('erin', '/v3/jobs/events?name=sweep-*&tags=gpu');
    const a = await createJob('erin', { name: 'sweep-1', tags: ['gpu', 'x'] });
    const b = await createJob('erin', { name: 'other', tags: ['gpu'] });
    const c = await createJob('erin', { name: 'sweep-2', tags: ['cpu'] });
    for (const j of [a, b, c]) await step(j.id, 'RUNNING');
    await step(b.id, 'FAILED', true);
    await step(a.id, 'FINISHED', true);
    await byStatus.until((e) => e.length === 4);
    await byName.until((e) => e.length === 3);
    await new Promise((r) => setTimeout(r, 30));
    expect(payloads<StreamEvent>(byStatus.events).map((e) => [e.jobId, e.status])).toEqual([
      [a.id, 'RUNNING'],
      [b.id, 'RUNNING'],
      [c.id, 'RUNNING'],
      [b.id, 'FAILED'],
    ]);
    expect(payloads<StreamEvent>(byName.events).map((e) => [e.jobId, e.status])).toEqual([
      [a.id, 'PENDING'],
      [a.id, 'RUNNING'],
      [a.id, 'FINISHED'],
    ]);
    byStatus.close();
    byName.close();
  });

  it(`the ${MAX_STREAMS_PER_USER + 1}th stream of a user is 429 TOO_MANY_STREAMS; closing one frees a slot`, async () => {
    const streams: SseClient[] = [];
    for (let i = 0; i < MAX_STREAMS_PER_USER; i++) {
      const s = await open('bob', '/v3/jobs/events');
      expect(s.status).toBe(200);
      streams.push(s);
    }
    const over = await open('bob', '/v3/jobs/events');
    expect(over.status).toBe(429);
    expect(JSON.parse(await over.body)).toEqual({
      error: {
        code: 'TOO_MANY_STREAMS',
        message: expect.any(String),
        details: { limit: MAX_STREAMS_PER_USER },
      },
    });
    // Per user: another user is not held back.
    const other = await open('dave', '/v3/jobs/events');
    expect(other.status).toBe(200);
    other.close();
    streams.pop()?.close();
    let again: SseClient | undefined;
    await waitFor(async () => {
      again?.close();
      again = await open('bob', '/v3/jobs/events');
      return again.status === 200;
    });
    again?.close();
    for (const s of streams) s.close();
  });
});

async function waitFor(pred: () => boolean | Promise<boolean>, ms = 2_000): Promise<void> {
  const end = Date.now() + ms;
  while (!(await pred())) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}
