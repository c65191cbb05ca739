import { Hpcgate, type JobStreamEvent } from '@hpcgate/sdk';
import { describe, expect, it, vi } from 'vitest';
import { REPLICA_CALLER } from '../support/replicas/caller.js';
import { leaseHolder } from '../support/replicas/leases.js';
import { replicaSuite } from '../support/replicas/suite.js';

// Issue 13: every replica's event streams see every replica's changes. Three roles on three
// replicas: H holds the poll lease (it writes RUNNING and FINISHED), B takes the requests (it
// writes JOB_CREATED and the stop), A only streams.
const suite = replicaSuite('event-streams', 'events');
const { env, prefix } = suite;

/** The statuses and events a stream delivered for one job, in order: `RUNNING`, `STOP_REQUESTED`… */
const seenOf = (events: JobStreamEvent[], jobId: string): string[] =>
  events.filter((e) => e.jobId === jobId).flatMap((e) => [e.event, e.status]);

describe('event streams across replicas', () => {
  it('a stream on replica A sees changes made through replica B and by the poll-lease holder', async () => {
    const h = await vi.waitFor(() => leaseHolder(suite.set, `poll:${env.cluster}`), {
      timeout: 30_000,
      interval: 200,
    });
    const [a, b] = [...Array(suite.set.count).keys()].filter((i) => i !== h) as [number, number];
    const onA = new Hpcgate({
      baseUrl: suite.set.url(a),
      tokenProvider: () => suite.set.token(REPLICA_CALLER),
    });

    const done = new AbortController();
    const stream = onA.jobs.events({ name: `${prefix}*` }, { signal: done.signal });
    const events: JobStreamEvent[] = [];
    const reading = (async () => {
      for await (const e of stream) events.push(e);
    })().catch((err: Error) => {
      if (!done.signal.aborted) throw err;
    });
    try {
      // The all-jobs stream starts "now": only once it is open are the changes made.
      await vi.waitFor(() => expect(stream.connected).toBe(true), { timeout: 15_000 });

      const submit = async (n: number, command: string) => {
        const res = await suite.client.call('POST', '/v3/jobs/submit', {
          replica: b,
          body: { name: `${prefix}${n}`, execSystemId: env.cluster, command },
        });
        expect(res.status).toBe(201);
        return res.body.id as string;
      };
      const finishing = await submit(1, 'sleep 2');
      const stopped = await submit(2, 'sleep 300');
      await vi.waitFor(() => expect(seenOf(events, stopped)).toContain('RUNNING'), {
        timeout: 60_000,
        interval: 200,
      });
      // A one-job stream on A, open while the job runs: it replays the history, then goes live
      // and ends once the job is over, which B's stop and the holder's poll make it.
      const oneJob = onA.jobs.events({ jobId: stopped }, { signal: AbortSignal.timeout(60_000) });
      const followed: JobStreamEvent[] = [];
      const following = (async () => {
        for await (const e of oneJob) followed.push(e);
      })();
      await vi.waitFor(() => expect(followed.map((e) => e.status)).toContain('RUNNING'), {
        timeout: 15_000,
        interval: 100,
      });
      const cancel = await suite.client.call('POST', `/v3/jobs/${stopped}/cancel`, {
        replica: b,
        body: { wait: 30 },
      });
      expect(cancel.body.status).toBe('CANCELLED');
      await following;
      expect(oneJob.end).toEqual({ jobId: stopped, status: 'CANCELLED' });
      expect(followed.map((e) => e.event)).toContain('STOP_REQUESTED');

      // B's JOB_CREATED, H's RUNNING and FINISHED, B's stop and the CANCELLED it saw through.
      await vi.waitFor(
        () => {
          expect(seenOf(events, finishing)).toEqual(
            expect.arrayContaining(['JOB_CREATED', 'RUNNING', 'FINISHED']),
          );
          expect(seenOf(events, stopped)).toEqual(
            expect.arrayContaining(['JOB_CREATED', 'RUNNING', 'STOP_REQUESTED', 'CANCELLED']),
          );
        },
        { timeout: 60_000, interval: 200 },
      );
      // Each job's events in their order, once each, whichever replica wrote them.
      for (const jobId of [finishing, stopped]) {
        const seqs = events.filter((e) => e.jobId === jobId).map((e) => e.seq);
        expect(seqs).toEqual([...new Set(seqs)].sort((x, y) => x - y));
      }
    } finally {
      done.abort();
      await reading;
    }
  }, 150_000);
});
