import { MAX_BULK_STOP, MAX_LIST_LIMIT, type TaskSummary } from '@hpcgate/contract';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { JobAlreadyRunningError } from '../../../src/domain/singleton.js';
import { InvalidTransitionError } from '../../../src/domain/transitions.js';
import {
  InvalidCursorError,
  type JobRecord,
  type JobStore,
  LIST_PAGE_BYTES,
  RequestKeyTakenError,
  type SavedLog,
  SUBMIT_PARAM_KEYS,
  TooManyJobsSelectedError,
} from '../../../src/store/job-store.js';
import { createMany, newestFirst, record } from '../fixtures.js';

/** A fresh, empty store, and a way to open another one on the same data (a second gateway). */
export interface StoreHarness {
  store: JobStore;
  another(): Promise<JobStore>;
  /**
   * Stores many jobs at once for the tests that need thousands and test something else (paging,
   * selection bounds); `create` one by one when absent. Each PostgreSQL create is a transaction
   * of its own, and 10,000 of them took 25 s on a loaded machine.
   */
  fill?(jobs: readonly JobRecord[]): Promise<void>;
}

const KiB = 1024;
const created = { event: 'JOB_CREATED' as const, actor: 'alice', description: 'created' };
const linked = (id: string) => ({
  event: 'RESUBMITTED_AS' as const,
  actor: 'alice',
  description: `resubmitted as job ${id}`,
});
const counts = (c: Partial<TaskSummary['counts']>): TaskSummary['counts'] => ({
  PENDING: 0,
  RUNNING: 0,
  FAILED: 0,
  SUCCEEDED: 0,
  CANCELED: 0,
  SKIPPED: 0,
  ...c,
});
const NO_SUCH_JOB = '00000000-0000-4000-8000-000000000000';

/** Stores the jobs a few at a time (the order of their inserts does not matter to the test). */
async function createAll(store: JobStore, jobs: JobRecord[]): Promise<JobRecord[]> {
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++]!;
      await store.create(job, { event: 'JOB_CREATED', actor: job.owner, description: 'created' });
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
  return jobs;
}

/**
 * The behaviour every JobStore must have, run against each implementation: `makeStore` gives a
 * fresh empty store for each test (closed by the suite, with every `another()`).
 */
export function describeJobStore(name: string, makeStore: () => Promise<StoreHarness>): void {
  describe(`JobStore contract: ${name}`, () => {
    let store: JobStore;
    let harness: StoreHarness;
    const opened: JobStore[] = [];
    const another = async () => {
      const s = await harness.another();
      opened.push(s);
      return s;
    };
    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
      opened.push(store);
    });
    afterEach(async () => {
      for (const s of opened.splice(0)) await s.close();
    });
    const fill = async (jobs: JobRecord[]): Promise<JobRecord[]> => {
      if (!harness.fill) return createAll(store, jobs);
      await harness.fill(jobs);
      return jobs;
    };

    describe('create and get', () => {
      it('gives back exactly the record stored, whatever its fields; nothing for an unknown id', async () => {
        const job = record(1, {
          script: '#!/bin/sh\necho "ünïcode ✓"\n',
          command: null,
          args: ['--a', 'b c'],
          // The env's key order is kept as given.
          env: { ZED: '1', AA: '2', M: 'x y' },
          tags: ['b', 'a'],
          partition: 'debug',
          nodes: 2,
          cpusPerTask: 4,
          memoryMB: 1024,
          maxMinutes: 90,
          description: 'a test',
          stopRequest: {
            mode: 'cancel',
            requestedBy: 'alice',
            requestedAt: '2026-11-23T10:00:09.000Z',
            outcome: 'REQUESTED',
            signalledAt: null,
            message: null,
          },
          exclusiveKey: 'k',
          output: { collected: false, at: null, bytes: 0, truncated: false },
          ended: '2026-11-23T10:05:00.123Z',
          exitCode: 3,
          exitSignal: 9,
        });
        await store.create(job, created);
        const got = await store.get(job.id);
        expect(got).toEqual(job);
        expect(Object.keys(got!.env)).toEqual(['ZED', 'AA', 'M']);
        expect(got!.created).toBe('2026-11-23T10:00:01.000Z');
        expect(await store.get(NO_SUCH_JOB)).toBeUndefined();
        expect(await store.history(job.id)).toEqual([
          {
            seq: 1,
            at: expect.any(String),
            event: 'JOB_CREATED',
            status: 'RUNNING',
            actor: 'alice',
            description: 'created',
          },
        ]);
      });

      it('refuses a second job with the same id, and keeps the first', async () => {
        const job = record(1);
        await store.create(job, created);
        await expect(store.create({ ...job, name: 'other' }, created)).rejects.toThrow();
        expect((await store.get(job.id))?.name).toBe(job.name);
        expect(await store.history(job.id)).toHaveLength(1);
      });
    });

    describe('update', () => {
      it('writes each step and event to history in order, in one change; lastUpdated strictly grows', async () => {
        const job = record(1, {
          status: 'PROCESSING_INPUTS',
          lastUpdated: '2999-01-01T00:00:00.000Z',
        });
        await store.create(job, created);
        const after = await store.update(job.id, {
          steps: [
            { status: 'PENDING', description: 'queued', actor: 'gateway' },
            { status: 'RUNNING', description: 'started' },
          ],
          events: [{ event: 'STOP_REQUESTED', actor: 'alice', description: 'stop asked' }],
          patch: { remoteJobId: '77', remoteState: 'RUNNING' },
        });
        expect(after).toMatchObject({
          status: 'RUNNING',
          remoteJobId: '77',
          remoteState: 'RUNNING',
        });
        // A lastUpdated in the future still grows: by one millisecond.
        expect(after!.lastUpdated).toBe('2999-01-01T00:00:00.001Z');
        expect(await store.get(job.id)).toEqual(after);
        const history = await store.history(job.id);
        expect(history.map((e) => [e.seq, e.event, e.status, e.actor, e.description])).toEqual([
          [1, 'JOB_CREATED', 'PROCESSING_INPUTS', 'alice', 'created'],
          [2, 'STATUS_CHANGED', 'PENDING', 'gateway', 'queued'],
          [3, 'STATUS_CHANGED', 'RUNNING', null, 'started'],
          [4, 'STOP_REQUESTED', 'RUNNING', 'alice', 'stop asked'],
        ]);
        expect(history.slice(1).every((e) => e.at === after!.lastUpdated)).toBe(true);
        expect(await store.historyAfter(job.id, 2, 10)).toEqual(history.slice(2));
        expect(await store.historyAfter(job.id, 0, 2)).toEqual(history.slice(0, 2));
        expect(await store.historyAfter(job.id, 4, 10)).toEqual([]);

        const again = await store.update(job.id, { patch: { lastMessage: 'x' } });
        expect(again!.lastUpdated > after!.lastUpdated).toBe(true);
      });

      it('refuses a step the lifecycle does not allow, and changes nothing of the job', async () => {
        const job = record(1, { status: 'RUNNING' });
        await store.create(job, created);
        const err = await store
          .update(job.id, {
            steps: [
              { status: 'FINISHED', description: 'done' },
              { status: 'RUNNING', description: 'again?' },
            ],
            patch: { lastMessage: 'should not stay' },
          })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(InvalidTransitionError);
        expect(await store.get(job.id)).toEqual(job);
        expect(await store.history(job.id)).toHaveLength(1);
      });

      it('applies only when expectStatus and expectLastUpdated hold; unknown ids give undefined', async () => {
        const job = record(1, { status: 'RUNNING' });
        await store.create(job, created);
        expect(
          await store.update(job.id, { expectStatus: ['PENDING'], patch: { lastMessage: 'a' } }),
        ).toBeUndefined();
        expect(
          await store.update(job.id, {
            expectLastUpdated: '2000-01-01T00:00:00.000Z',
            patch: { lastMessage: 'b' },
          }),
        ).toBeUndefined();
        expect(await store.get(job.id)).toEqual(job);
        const ok = await store.update(job.id, {
          expectStatus: ['RUNNING'],
          expectLastUpdated: job.lastUpdated,
          patch: { lastMessage: 'c' },
        });
        expect(ok?.lastMessage).toBe('c');
        expect(await store.update(NO_SUCH_JOB, { patch: { lastMessage: 'd' } })).toBeUndefined();
      });
    });

    describe('list pages by size as well as by count', () => {
      async function listAll(limit: number) {
        const pages: JobRecord[][] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list('alice', { limit, ...(cursor ? { cursor } : {}) });
          pages.push(page.jobs);
          cursor = page.nextCursor ?? undefined;
        } while (cursor && pages.length < 1000);
        return pages;
      }

      it('stops a page at about 1 MiB of jobs and gives a cursor to go on', async () => {
        const jobs = await createMany(store, 12, (i) =>
          record(i, { script: `#!/bin/bash\n${'x'.repeat(300 * KiB)}`, command: null }),
        );
        const first = await store.list('alice', { limit: 100 });
        // 300 KiB each: three fit in 1 MiB, a fourth does not.
        expect(first.jobs).toHaveLength(3);
        expect(first.nextCursor).not.toBeNull();
        expect(JSON.stringify(first.jobs).length).toBeLessThanOrEqual(LIST_PAGE_BYTES);

        const pages = await listAll(100);
        expect(pages.map((p) => p.length)).toEqual([3, 3, 3, 3]);
        expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
        expect(pages.flat()[0]!.script).toHaveLength(300 * KiB + 12);
      });

      it('always gives at least one job, however big', async () => {
        const jobs = await createMany(store, 3, (i) =>
          record(i, {
            script: 'y'.repeat(1024 * KiB),
            command: null,
            env: { BIG: 'z'.repeat(60 * KiB) },
          }),
        );
        const pages = await listAll(100);
        expect(pages.map((p) => p.length)).toEqual([1, 1, 1]);
        expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
      });

      it('mixes small and big jobs within the budget', async () => {
        const jobs = await createMany(store, 40, (i) =>
          record(i, i % 10 === 0 ? { script: 'x'.repeat(400 * KiB), command: null } : {}),
        );
        const pages = await listAll(100);
        expect(pages.flat().map((j) => j.id)).toEqual(newestFirst(jobs));
        for (const page of pages) {
          expect(JSON.stringify(page).length).toBeLessThanOrEqual(LIST_PAGE_BYTES + 10 * KiB);
        }
        expect(pages.length).toBeGreaterThan(1);
      });

      it('still bounds a page by count, and says nothing more is left on the last page', async () => {
        const jobs = await fill(Array.from({ length: MAX_LIST_LIMIT + 20 }, (_, i) => record(i)));
        const first = await store.list('alice', { limit: MAX_LIST_LIMIT });
        expect(first.jobs).toHaveLength(MAX_LIST_LIMIT);
        expect(first.nextCursor).not.toBeNull();
        const second = await store.list('alice', {
          limit: MAX_LIST_LIMIT,
          cursor: first.nextCursor!,
        });
        expect(second.jobs).toHaveLength(20);
        expect(second.nextCursor).toBeNull();
        expect([...first.jobs, ...second.jobs].map((j) => j.id)).toEqual(newestFirst(jobs));
        const exact = await store.list('alice', { limit: MAX_LIST_LIMIT + 20 });
        expect(exact.nextCursor).toBeNull();
      });

      it('filters by name, status and tags', async () => {
        await createMany(store, 6, (i) =>
          record(i, {
            name: i < 3 ? `exp-${i}` : `other-${i}`,
            status: i % 2 ? 'RUNNING' : 'PENDING',
            tags: i === 0 ? ['a', 'b'] : ['a'],
          }),
        );
        const names = async (f: Partial<Parameters<JobStore['list']>[1]>) =>
          (await store.list('alice', { limit: 100, ...f })).jobs.map((j) => j.name);
        expect(await names({ name: 'exp-*' })).toEqual(['exp-2', 'exp-1', 'exp-0']);
        expect(await names({ status: ['RUNNING'] })).toEqual(['other-5', 'other-3', 'exp-1']);
        expect(await names({ tags: ['a', 'b'] })).toEqual(['exp-0']);
        expect(await names({ status: [] })).toEqual([]);
        expect(await store.list('bob', { limit: 100 })).toEqual({ jobs: [], nextCursor: null });
      });

      it('matches every form of name pattern, for one owner and for all, page after page', async () => {
        const names = [
          'exp-1',
          'exp-10',
          'exp-1 tail',
          'exp-2',
          'exp-[x]',
          'expo',
          'x-exp-1',
          'EXP-1',
          'a%b',
          'a_b',
          'a\\b',
          'ab',
          'exp.1',
        ];
        // Bob has the same names, each created just after alice's.
        await createMany(store, names.length * 2, (i) =>
          record(i, { name: names[i >> 1]!, owner: i % 2 ? 'bob' : 'alice' }),
        );
        const matching = async (owner: string | null, name: string, limit = 100) => {
          const seen: string[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.list(owner, { limit, name, ...(cursor ? { cursor } : {}) });
            seen.push(...page.jobs.map((j) => `${j.owner === 'bob' ? 'b:' : ''}${j.name}`));
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          return seen;
        };
        // Newest first, as every list.
        const alice = async (name: string) => (await matching('alice', name)).reverse();
        expect(await alice('exp-1')).toEqual(['exp-1']);
        expect(await alice('exp-1*')).toEqual(['exp-1', 'exp-10', 'exp-1 tail']);
        expect(await alice('exp-*')).toEqual(['exp-1', 'exp-10', 'exp-1 tail', 'exp-2', 'exp-[x]']);
        expect(await alice('exp*')).toEqual([
          'exp-1',
          'exp-10',
          'exp-1 tail',
          'exp-2',
          'exp-[x]',
          'expo',
          'exp.1',
        ]);
        // Case counts, and `.` is no wildcard: `exp-*`'s range ends before `exp.`.
        expect(await alice('EXP-*')).toEqual(['EXP-1']);
        expect(await alice('exp.*')).toEqual(['exp.1']);
        expect(await alice('*-1')).toEqual(['exp-1', 'x-exp-1', 'EXP-1']);
        expect(await alice('*exp-1*')).toEqual(['exp-1', 'exp-10', 'exp-1 tail', 'x-exp-1']);
        expect(await alice('*[x]')).toEqual(['exp-[x]']);
        expect(await alice('a*b')).toEqual(['a%b', 'a_b', 'a\\b', 'ab']);
        expect(await alice('a%b')).toEqual(['a%b']);
        expect(await alice('a_b')).toEqual(['a_b']);
        expect(await alice('a\\b')).toEqual(['a\\b']);
        expect(await alice('a?b')).toEqual([]);
        expect(await alice('*')).toHaveLength(names.length);
        expect(await alice('nothing*')).toEqual([]);
        // Pages of two through a range and through a leading `*` give the same as one page.
        expect(await matching('alice', 'exp-*', 2)).toEqual(await matching('alice', 'exp-*'));
        expect(await matching('alice', '*-1*', 2)).toEqual(await matching('alice', '*-1*'));
        // Every owner's (an admin's), newest first: bob's twin just before alice's.
        expect(await matching(null, 'exp-1*')).toEqual([
          'b:exp-1 tail',
          'exp-1 tail',
          'b:exp-10',
          'exp-10',
          'b:exp-1',
          'exp-1',
        ]);
        expect(await matching(null, '*o')).toEqual(['b:expo', 'expo']);
        expect(await matching(null, 'a_b')).toEqual(['b:a_b', 'a_b']);
        expect(await matching('bob', 'x-*')).toEqual(['b:x-exp-1']);
      });

      it('gives each job on a page exactly as get gives it, big parameters or small', async () => {
        const jobs = await createMany(store, 6, (i) =>
          record(i, {
            // Past what a page reads with the rows (about 1 MiB over the rows asked for).
            script: i % 2 ? `#!/bin/sh\n${'s'.repeat(30 * KiB)}\n` : '#!/bin/sh\ntrue\n',
            command: null,
            env: { ZED: '1', AA: `${i}` },
            tags: i === 3 ? ['t'] : [],
            // A time with trailing zeros in its milliseconds (the server writes `.12`).
            ended: i === 4 ? '2026-11-23T10:05:00.120Z' : null,
          }),
        );
        await store.update(jobs[5]!.id, {
          patch: {
            submitAttempts: {
              count: 2,
              unanswered: 1,
              firstAt: '2026-11-23T10:00:00.000Z',
              lastAt: '2026-11-23T10:00:30.001Z',
            },
          },
        });
        for (const limit of [100, 2]) {
          const listed: JobRecord[] = [];
          let cursor: string | undefined;
          do {
            const page = await store.list('alice', { limit, ...(cursor ? { cursor } : {}) });
            listed.push(...page.jobs);
            cursor = page.nextCursor ?? undefined;
          } while (cursor);
          expect(listed.map((j) => j.id)).toEqual(newestFirst(jobs));
          for (const job of listed) {
            expect(job).toEqual(await store.get(job.id));
            expect(Object.keys(job.env)).toEqual(['ZED', 'AA']);
          }
        }
      });

      it('pages jobs created in the same millisecond by id, with nothing lost or repeated', async () => {
        const jobs = await createMany(store, 7, (i) =>
          record(Math.floor(i / 3), { name: `same-${i}` }),
        );
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.list('alice', { limit: 2, ...(cursor ? { cursor } : {}) });
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.nextCursor ?? undefined;
        } while (cursor);
        expect(seen).toEqual(newestFirst(jobs));
      });

      it('filters by creation time, by system, and for an admin (null) across owners', async () => {
        const jobs = await createMany(store, 6, (i) =>
          record(i, {
            owner: i % 2 ? 'bob' : 'alice',
            execSystemId: i === 4 ? 'other-cluster' : 'cluster',
          }),
        );
        const ids = async (owner: string | null, f: Partial<Parameters<JobStore['list']>[1]>) =>
          (await store.list(owner, { limit: 100, ...f })).jobs.map((j) => j.id);
        expect(await ids(null, {})).toEqual(newestFirst(jobs));
        expect(await ids(null, { createdAfter: jobs[2]!.created })).toEqual(
          newestFirst(jobs.slice(2)),
        );
        // With an offset: the same instant.
        expect(await ids('alice', { createdBefore: '2026-11-23T12:00:04.000+02:00' })).toEqual(
          newestFirst([jobs[0]!, jobs[2]!]),
        );
        expect(await ids('alice', { execSystemId: 'other-cluster' })).toEqual([jobs[4]!.id]);
        expect(await ids(null, { execSystemId: 'nowhere' })).toEqual([]);
      });

      it('refuses a cursor it did not hand out', async () => {
        await createMany(store, 2, (i) => record(i));
        const bad = [
          'not a cursor',
          Buffer.from('["a"]').toString('base64url'),
          Buffer.from('{"a":1}').toString('base64url'),
        ];
        for (const cursor of bad) {
          await expect(store.list('alice', { limit: 10, cursor })).rejects.toBeInstanceOf(
            InvalidCursorError,
          );
        }
      });
    });

    describe('select', () => {
      it('selects by 10,000 ids (the schema maximum): only the owner’s, newest first', async () => {
        // Interleaved in time so that order and ownership are both tested.
        const alice = await fill(
          Array.from({ length: 10_000 }, (_, i) =>
            record(2 * i, { status: i % 10 === 0 ? 'PENDING' : 'RUNNING' }),
          ),
        );
        const bob = await fill(
          Array.from({ length: 500 }, (_, i) => record(2 * i + 1, { owner: 'bob' })),
        );
        // 9,500 of alice's ids and all 500 of bob's: 10,000 ids in all.
        const asked = [...alice.slice(0, 9_500), ...bob];
        const ids = asked.map((j) => j.id);
        expect(ids).toHaveLength(MAX_BULK_STOP);

        const selected = await store.select('alice', { ids });
        expect(selected.map((j) => j.id)).toEqual(newestFirst(alice.slice(0, 9_500)));
        expect(selected.every((j) => j.owner === 'alice')).toBe(true);

        // With a second criterion, both must hold.
        const pending = await store.select('alice', { ids, status: ['PENDING'] });
        expect(pending.map((j) => j.id)).toEqual(
          newestFirst(alice.slice(0, 9_500).filter((j) => j.status === 'PENDING')),
        );
        expect(await store.select('bob', { ids })).toHaveLength(500);
        // An admin's selection (null) spans every owner.
        expect(await store.select(null, { ids })).toHaveLength(MAX_BULK_STOP);
      });

      describe('a criterion given empty selects nothing (never "any")', () => {
        beforeEach(async () => {
          await createMany(store, 5, (i) => record(i, { tags: ['sweep'] }));
        });
        it.each([
          ['ids', { ids: [] }],
          ['status', { status: [] }],
          ['names', { names: [] }],
          ['tags', { tags: [] }],
          ['execSystemId', { execSystemId: '' }],
          ['an empty one beside a matching one', { status: ['RUNNING' as const], tags: [] }],
        ])('%s', async (_what, selector) => {
          expect(await store.select('alice', selector)).toEqual([]);
          expect(await store.select(null, selector)).toEqual([]);
        });
      });

      it('matches names (patterns, any of), status (any of), tags (all of) and the system', async () => {
        const jobs = await createMany(store, 9, (i) =>
          record(i, {
            name: ['exp-1', 'exp-2', 'exp-[x]', 'other', 'exp-3', 'expo', 'a%b', 'a_b', 'a\\b'][i]!,
            status: i % 2 === 0 ? 'PENDING' : 'RUNNING',
            tags: [['a', 'b'], ['a'], ['b'], ['a', 'b', 'c'], [], ['a', 'b'], [], [], []][i]!,
            execSystemId: i === 4 ? 'other-cluster' : i > 5 ? 'misc' : 'cluster',
          }),
        );
        const ids = async (s: Parameters<JobStore['select']>[1]) =>
          (await store.select('alice', s)).map((j) => j.name).sort();
        expect(await ids({ names: ['exp-*'] })).toEqual(['exp-1', 'exp-2', 'exp-3', 'exp-[x]']);
        // Only `*` is special: `[x]` is literal, and so are `?`, `%`, `_` and `\`.
        expect(await ids({ names: ['exp-[x]', 'other'] })).toEqual(['exp-[x]', 'other']);
        expect(await ids({ names: ['exp-?'] })).toEqual([]);
        expect(await ids({ names: ['a%b'] })).toEqual(['a%b']);
        expect(await ids({ names: ['a_b'] })).toEqual(['a_b']);
        expect(await ids({ names: ['a\\b'] })).toEqual(['a\\b']);
        expect(await ids({ names: ['a*b'] })).toEqual(['a%b', 'a\\b', 'a_b']);
        expect(await ids({ names: ['*X*'] })).toEqual([]);
        expect(await ids({ names: ['*[x]*'] })).toEqual(['exp-[x]']);
        expect(await ids({ names: ['*o'] })).toEqual(['expo']);
        expect(await ids({ status: ['RUNNING'], execSystemId: 'cluster' })).toEqual([
          'exp-2',
          'expo',
          'other',
        ]);
        expect(await ids({ status: ['RUNNING', 'PENDING'] })).toHaveLength(9);
        expect(await ids({ tags: ['a', 'b'] })).toEqual(['exp-1', 'expo', 'other']);
        expect(await ids({ tags: ['c'] })).toEqual(['other']);
        expect(await ids({ execSystemId: 'other-cluster' })).toEqual(['exp-3']);
        expect(await ids({ names: ['exp-*'], tags: ['b'], status: ['PENDING'] })).toEqual([
          'exp-1',
          'exp-[x]',
        ]);
        expect(jobs).toHaveLength(9);
      });

      it(`refuses a selection of more than ${MAX_BULK_STOP} jobs, with the count and the cap`, async () => {
        const jobs = await fill(Array.from({ length: MAX_BULK_STOP + 1 }, (_, i) => record(i)));
        const err = await store.select('alice', { status: ['RUNNING'] }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(TooManyJobsSelectedError);
        expect(err).toMatchObject({ count: MAX_BULK_STOP + 1, max: MAX_BULK_STOP });
        expect((err as Error).message).toMatch(/10001 jobs.*10000/);
        // Exactly the cap is fine.
        const ids = jobs.slice(1).map((j) => j.id);
        expect(await store.select('alice', { ids, status: ['RUNNING'] })).toHaveLength(
          MAX_BULK_STOP,
        );
      });
    });

    describe('hidden jobs', () => {
      it('list leaves hidden jobs out unless includeHidden; hiding changes neither lastUpdated nor history', async () => {
        const [a, b, c] = await createMany(store, 3, (i) => record(i));
        const before = await store.history(b!.id);
        const hidden = await store.setHidden(b!.id, true);
        expect(hidden).toMatchObject({ id: b!.id, hidden: true, lastUpdated: b!.lastUpdated });
        expect(await store.history(b!.id)).toEqual(before);

        const ids = async (includeHidden?: boolean) =>
          (await store.list('alice', { limit: 100, includeHidden })).jobs.map((j) => j.id);
        expect(await ids()).toEqual([c!.id, a!.id]);
        expect(await ids(false)).toEqual([c!.id, a!.id]);
        expect(await ids(true)).toEqual([c!.id, b!.id, a!.id]);
        // A bulk stop still selects it: hiding is about the list only.
        expect((await store.select('alice', { ids: [b!.id] })).map((j) => j.id)).toEqual([b!.id]);
        // An update of the job (the monitor's) keeps it hidden.
        await store.update(b!.id, { patch: { remoteState: 'RUNNING' } });
        expect((await store.get(b!.id))?.hidden).toBe(true);

        expect(await store.setHidden(b!.id, false)).toMatchObject({ hidden: false });
        expect(await ids()).toEqual([c!.id, b!.id, a!.id]);
        expect(await store.setHidden(NO_SUCH_JOB, true)).toBeUndefined();
      });
    });

    describe('resubmissions', () => {
      it('links the old job to the new one in the insert’s transaction, or not at all', async () => {
        const old = record(1, { status: 'CANCELLED', exclusiveKey: 'k' });
        await store.create(old, created);
        const next = record(2, {
          status: 'PROCESSING_INPUTS',
          resubmittedFrom: old.id,
          exclusiveKey: 'k',
        });
        await store.create(next, created, { previousEvent: linked(next.id) });
        const after = await store.get(old.id);
        expect(after?.resubmittedAs).toBe(next.id);
        expect(after!.lastUpdated > old.lastUpdated).toBe(true);
        expect((await store.history(old.id)).at(-1)).toMatchObject({
          event: 'RESUBMITTED_AS',
          status: 'CANCELLED',
          description: `resubmitted as job ${next.id}`,
        });
        expect((await store.get(next.id))?.resubmittedFrom).toBe(old.id);

        // A resubmission the key refuses leaves the old job as it was: still naming the first.
        const refused = record(3, {
          status: 'PROCESSING_INPUTS',
          resubmittedFrom: old.id,
          exclusiveKey: 'k',
        });
        await expect(
          store.create(refused, created, { previousEvent: linked(refused.id) }),
        ).rejects.toBeInstanceOf(JobAlreadyRunningError);
        expect((await store.get(old.id))?.resubmittedAs).toBe(next.id);
        expect(await store.history(old.id)).toHaveLength(2);
      });
    });

    describe('exclusive keys', () => {
      it('refuses a second unfinished holder of a key, naming the first; other owners and keyless jobs pass', async () => {
        const first = record(1, { status: 'RUNNING', name: 'nightly', exclusiveKey: 'nightly' });
        await store.create(first, created);
        const second = record(2, {
          status: 'PROCESSING_INPUTS',
          name: 'nightly',
          exclusiveKey: 'nightly',
        });
        const refused = await store.create(second, created).catch((e: unknown) => e);
        expect(refused).toBeInstanceOf(JobAlreadyRunningError);
        expect((refused as JobAlreadyRunningError).holder).toEqual({
          jobId: first.id,
          name: 'nightly',
          status: 'RUNNING',
          since: first.remoteStarted,
          exclusiveKey: 'nightly',
        });
        // Nothing of the refused job was stored, history included.
        expect(await store.get(second.id)).toBeUndefined();
        expect(await store.history(second.id)).toEqual([]);
        // Another owner has keys of their own; jobs without a key never collide.
        await store.create(record(3, { owner: 'bob', exclusiveKey: 'nightly' }), created);
        await store.create(record(4, { exclusiveKey: null }), created);
        await store.create(record(5, { exclusiveKey: null }), created);
        expect(await store.exclusiveHolder('alice', 'nightly')).toMatchObject({ id: first.id });
        expect(await store.exclusiveHolder('alice', 'other')).toBeUndefined();
      });

      it('an ended holder frees the key (a terminate that Slurm has not finished counts as ended)', async () => {
        const first = record(1, { status: 'RUNNING', exclusiveKey: 'k' });
        await store.create(first, created);
        await store.update(first.id, {
          steps: [{ status: 'CANCELLED', description: 'terminated' }],
        });
        expect(await store.exclusiveHolder('alice', 'k')).toBeUndefined();
        const next = record(2, { status: 'PROCESSING_INPUTS', exclusiveKey: 'k' });
        await store.create(next, created);
        expect((await store.get(next.id))?.exclusiveKey).toBe('k');
        // The ended one keeps its key on the record: it says what it held.
        expect((await store.get(first.id))?.exclusiveKey).toBe('k');
      });

      it('two stores on one database (two gateways) that both checked first: exactly one insert wins', async () => {
        const a = store;
        const b = await another();
        const jobs = Array.from({ length: 10 }, (_, i) =>
          record(i, { status: 'PROCESSING_INPUTS', exclusiveKey: 'race' }),
        );
        // Every check before the insert passes: none holds the key yet.
        for (const s of [a, b]) expect(await s.exclusiveHolder('alice', 'race')).toBeUndefined();
        const outcomes = await Promise.allSettled(
          jobs.map((job, i) => (i % 2 ? a : b).create(job, created)),
        );
        const won = outcomes.filter((o) => o.status === 'fulfilled');
        const lost = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason] : []));
        expect(won).toHaveLength(1);
        expect(lost).toHaveLength(9);
        const winner = jobs[outcomes.findIndex((o) => o.status === 'fulfilled')]!;
        for (const err of lost) {
          expect(err).toBeInstanceOf(JobAlreadyRunningError);
          expect((err as JobAlreadyRunningError).holder.jobId).toBe(winner.id);
        }
        expect((await a.list('alice', { limit: 100 })).jobs.map((j) => j.id)).toEqual([winner.id]);
        expect((await b.history(winner.id)).map((e) => e.event)).toEqual(['JOB_CREATED']);
      });
    });

    describe('countByStatus', () => {
      it("counts every owner's jobs by status", async () => {
        expect(await store.countByStatus()).toEqual({});
        await createAll(store, [
          record(1, { status: 'RUNNING' }),
          record(2, { status: 'RUNNING', owner: 'bob' }),
          record(3, { status: 'FINISHED' }),
        ]);
        expect(await store.countByStatus()).toEqual({ RUNNING: 2, FINISHED: 1 });
      });
    });

    describe('countActive', () => {
      it('counts the owner’s jobs that have not ended', async () => {
        const statuses = [
          'PROCESSING_INPUTS',
          'PENDING',
          'RUNNING',
          'FINISHED',
          'FAILED',
          'CANCELLED',
        ] as const;
        await createMany(store, 60, (i) => record(i, { status: statuses[i % 6]! }));
        await createMany(store, 7, (i) => record(100 + i, { owner: 'bob', status: 'PENDING' }));
        expect(await store.countActive('alice')).toBe(30);
        expect(await store.countActive('bob')).toBe(7);
        expect(await store.countActive('carol')).toBe(0);
        // A job ended by terminate (CANCELLED, Slurm not yet done) no longer counts.
        const [running] = await createMany(store, 1, (i) => record(200 + i, { owner: 'dave' }));
        expect(await store.countActive('dave')).toBe(1);
        await store.update(running!.id, {
          steps: [{ status: 'CANCELLED', description: 'terminated' }],
        });
        expect(await store.countActive('dave')).toBe(0);
      });
    });

    describe('submit attempts', () => {
      it('are absent until the first run, then kept through update, get, watched and another store', async () => {
        const [job] = await createMany(store, 1, (i) =>
          record(i, { status: 'PROCESSING_INPUTS', remoteJobId: null }),
        );
        expect((await store.get(job!.id))!).not.toHaveProperty('submitAttempts');
        const attempts = {
          count: 3,
          unanswered: 2,
          firstAt: '2026-11-23T10:00:00.000Z',
          lastAt: '2026-11-23T10:02:00.000Z',
        };
        await store.update(job!.id, { patch: { submitAttempts: attempts } });
        // An update that does not name them keeps them.
        await store.update(job!.id, { patch: { lastMessage: 'x' } });
        expect((await store.get(job!.id))!.submitAttempts).toEqual(attempts);
        expect((await store.watched('cluster'))[0]!.submitAttempts).toEqual(attempts);
        await store.close();
        opened.splice(opened.indexOf(store), 1);
        const reopened = await another();
        expect((await reopened.get(job!.id))!.submitAttempts).toEqual(attempts);
      });
    });

    describe('watched', () => {
      it('gives the system’s jobs not confirmed done, oldest first, without their submit parameters', async () => {
        const jobs = await createMany(store, 5, (i) =>
          record(i, {
            script: `#!/bin/sh\n${'x'.repeat(200_000)}`,
            command: null,
            env: { SECRET: 's' },
            remoteUser: i === 1 ? null : `u${i}`,
            tags: [`t${i}`],
            stopRequest:
              i === 2
                ? {
                    mode: 'cancel',
                    requestedBy: 'alice',
                    requestedAt: '2026-11-23T10:00:09.000Z',
                    outcome: 'REQUESTED',
                    signalledAt: null,
                    message: null,
                  }
                : null,
            execSystemId: i === 4 ? 'elsewhere' : 'cluster',
          }),
        );
        await store.update(jobs[3]!.id, { patch: { remoteDone: true } });
        const watched = await store.watched('cluster');
        expect(watched.map((j) => j.id)).toEqual([jobs[0]!.id, jobs[1]!.id, jobs[2]!.id]);
        for (const w of watched) {
          for (const key of SUBMIT_PARAM_KEYS) expect(w).not.toHaveProperty(key);
          const { remoteDone: _d, ...full } = jobs.find((j) => j.id === w.id)!;
          const slim = Object.fromEntries(
            Object.entries(full).filter(
              ([k]) => !(SUBMIT_PARAM_KEYS as readonly string[]).includes(k),
            ),
          );
          expect(w).toEqual({ ...slim, remoteDone: false });
        }
        expect(watched.map((j) => j.remoteUser)).toEqual(['u0', null, 'u2']);
        expect(watched[2]!.stopRequest?.outcome).toBe('REQUESTED');
        // The whole record is still there for whoever needs it.
        expect((await store.get(jobs[0]!.id))!.script).toHaveLength(200_010);
        expect(await store.watched('nowhere')).toEqual([]);
      });

      it('keeps remoteUser when it is patched', async () => {
        const [job] = await createMany(store, 1, (i) => record(i, { remoteUser: null }));
        await store.update(job!.id, { patch: { remoteUser: 'carol' } });
        expect((await store.watched('cluster'))[0]!.remoteUser).toBe('carol');
        expect((await store.get(job!.id))!.remoteUser).toBe('carol');
      });
    });

    describe('eventsOf and lastEventId', () => {
      it('gives gateway-wide ids in write order, only the scope’s jobs, narrowed by status, name and tags', async () => {
        expect(await store.lastEventId()).toBe(0);
        expect(await store.eventsOf(null, 0, {}, 100)).toEqual([]);
        const [a1, b1, a2] = await createMany(store, 3, (i) =>
          record(i, {
            owner: i === 1 ? 'bob' : 'alice',
            name: i === 2 ? 'sweep-2' : `job-${i}`,
            status: 'PENDING',
            tags: i === 2 ? ['x'] : [],
          }),
        );
        await store.update(a1!.id, { steps: [{ status: 'RUNNING', description: 'started' }] });
        await store.update(b1!.id, { steps: [{ status: 'RUNNING', description: 'started' }] });
        await store.update(a2!.id, { steps: [{ status: 'CANCELLED', description: 'stopped' }] });

        const all = await store.eventsOf(null, 0, {}, 100);
        expect(all.map((e) => [e.jobId, e.event, e.status])).toEqual([
          [a1!.id, 'JOB_CREATED', 'PENDING'],
          [b1!.id, 'JOB_CREATED', 'PENDING'],
          [a2!.id, 'JOB_CREATED', 'PENDING'],
          [a1!.id, 'STATUS_CHANGED', 'RUNNING'],
          [b1!.id, 'STATUS_CHANGED', 'RUNNING'],
          [a2!.id, 'STATUS_CHANGED', 'CANCELLED'],
        ]);
        const ids = all.map((e) => e.id);
        expect([...ids].sort((x, y) => x - y)).toEqual(ids);
        expect(new Set(ids).size).toBe(6);
        expect(await store.lastEventId()).toBe(ids.at(-1));
        // The event as history has it, plus its id and job.
        const { id: _id, jobId: _job, ...first } = all[0]!;
        expect(first).toEqual((await store.history(a1!.id))[0]);

        const alice = await store.eventsOf('alice', 0, {}, 100);
        expect(alice.map((e) => e.id)).toEqual(
          all.filter((e) => e.jobId !== b1!.id).map((e) => e.id),
        );
        expect((await store.eventsOf('bob', 0, {}, 100)).every((e) => e.jobId === b1!.id)).toBe(
          true,
        );
        expect(await store.eventsOf('carol', 0, {}, 100)).toEqual([]);
        // After an id, at most `limit` of them.
        expect((await store.eventsOf(null, ids[1]!, {}, 2)).map((e) => e.id)).toEqual(
          ids.slice(2, 4),
        );
        expect(await store.eventsOf(null, ids.at(-1)!, {}, 100)).toEqual([]);
        // Narrowed.
        const narrowed = async (
          f: Parameters<JobStore['eventsOf']>[2],
          owner: string | null = 'alice',
        ) => (await store.eventsOf(owner, 0, f, 100)).map((e) => [e.jobId, e.status]);
        expect(await narrowed({ status: ['RUNNING'] })).toEqual([[a1!.id, 'RUNNING']]);
        expect(await narrowed({ status: ['RUNNING'] }, null)).toEqual([
          [a1!.id, 'RUNNING'],
          [b1!.id, 'RUNNING'],
        ]);
        expect(await narrowed({ status: [] })).toEqual([]);
        expect(await narrowed({ name: 'sweep-*' })).toEqual([
          [a2!.id, 'PENDING'],
          [a2!.id, 'CANCELLED'],
        ]);
        expect(await narrowed({ tags: ['x'], status: ['CANCELLED'] })).toEqual([
          [a2!.id, 'CANCELLED'],
        ]);
        expect(await narrowed({ tags: ['y'] })).toEqual([]);
      });

      it('events written by two stores at once get distinct, increasing ids', async () => {
        const b = await another();
        const jobs = Array.from({ length: 20 }, (_, i) => record(i, { status: 'PENDING' }));
        await Promise.all(jobs.map((j, i) => (i % 2 ? store : b).create(j, created)));
        await Promise.all(
          jobs.map((j, i) =>
            (i % 2 ? b : store).update(j.id, {
              steps: [{ status: 'RUNNING', description: 'started' }],
            }),
          ),
        );
        const events = await store.eventsOf(null, 0, {}, 1000);
        expect(events).toHaveLength(40);
        expect(new Set(events.map((e) => e.id)).size).toBe(40);
        for (const j of jobs) {
          const mine = events.filter((e) => e.jobId === j.id);
          expect(mine.map((e) => [e.seq, e.event])).toEqual([
            [1, 'JOB_CREATED'],
            [2, 'STATUS_CHANGED'],
          ]);
        }
        expect(await b.lastEventId()).toBe(events.at(-1)!.id);
      });
    });

    describe("request keys (a submit's Idempotency-Key)", () => {
      it('keeps the job a key created, per owner', async () => {
        const job = record(1);
        await store.create(job, created, { requestKey: 'key-0001' });
        expect(await store.jobForRequestKey('alice', 'key-0001')).toBe(job.id);
        expect(await store.jobForRequestKey('bob', 'key-0001')).toBeUndefined();
        expect(await store.jobForRequestKey('alice', 'key-0002')).toBeUndefined();
        // Another owner may use the same key.
        await store.create(record(2, { owner: 'bob' }), created, { requestKey: 'key-0001' });
      });

      it('refuses a second job under the key, naming the first, and stores nothing of it', async () => {
        const first = record(1);
        await store.create(first, created, { requestKey: 'key-0001' });
        const second = record(2);
        const err = await store
          .create(second, created, { requestKey: 'key-0001' })
          .catch((e: unknown) => e);
        expect(err).toBeInstanceOf(RequestKeyTakenError);
        expect((err as RequestKeyTakenError).jobId).toBe(first.id);
        expect(await store.get(second.id)).toBeUndefined();
        expect(await store.history(second.id)).toEqual([]);
      });

      it('of concurrent creates under one key on two stores, exactly one is kept', async () => {
        const other = await another();
        const jobs = [record(1), record(2), record(3), record(4)];
        const results = await Promise.allSettled(
          jobs.map((j, i) =>
            (i % 2 ? other : store).create(j, created, { requestKey: 'race-key' }),
          ),
        );
        const kept = results.filter((r) => r.status === 'fulfilled');
        expect(kept).toHaveLength(1);
        const winner = jobs[results.findIndex((r) => r.status === 'fulfilled')]!;
        expect(await store.jobForRequestKey('alice', 'race-key')).toBe(winner.id);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(RequestKeyTakenError);
        }
      });
    });

    describe('idempotent responses', () => {
      it('remembers the first answer for a key, per owner, and forgets old ones', async () => {
        const answer = {
          owner: 'alice',
          key: 'k1',
          fingerprint: 'POST /v3/jobs {}',
          statusCode: 201,
          body: '{"id":"x","ü":"✓"}',
          created: '2026-11-23T10:00:00.000Z',
        };
        expect(await store.getIdempotentResponse('alice', 'k1')).toBeUndefined();
        await store.putIdempotentResponse(answer);
        await store.putIdempotentResponse({ ...answer, statusCode: 500, body: 'second' });
        expect(await store.getIdempotentResponse('alice', 'k1')).toEqual(answer);
        expect(await store.getIdempotentResponse('bob', 'k1')).toBeUndefined();
        await store.putIdempotentResponse({
          ...answer,
          owner: 'bob',
          created: '2026-11-23T11:00:00.000Z',
        });
        expect((await store.getIdempotentResponse('bob', 'k1'))?.created).toBe(
          '2026-11-23T11:00:00.000Z',
        );
        expect(await store.pruneIdempotentResponses('2026-11-23T10:30:00.000Z')).toBe(1);
        expect(await store.getIdempotentResponse('alice', 'k1')).toBeUndefined();
        expect(await store.getIdempotentResponse('bob', 'k1')).toBeDefined();
        expect(await store.pruneIdempotentResponses('2026-11-23T10:30:00.000Z')).toBe(0);
      });
    });

    describe('saved logs', () => {
      const log = (over: Partial<SavedLog> & Pick<SavedLog, 'jobId'>): SavedLog => ({
        stream: 'stdout',
        kind: 'periodic',
        at: '2026-11-23T10:01:00.000Z',
        start: 0,
        size: 5,
        content: Buffer.from('hello'),
        ...over,
      });
      const summary = (collected: boolean, bytes: number) => ({
        collected,
        at: '2026-11-23T10:01:00.000Z',
        bytes,
        truncated: false,
      });

      it('keeps copies per stream, a final copy is never replaced by a periodic one, and the job is not changed', async () => {
        const [job] = await createMany(store, 1, (i) => record(i));
        const id = job!.id;
        expect(await store.savedLog(id, 'stdout')).toBeUndefined();
        const periodic = log({ jobId: id });
        await store.saveLogs(id, [periodic], summary(false, 5));
        expect(await store.savedLog(id, 'stdout')).toEqual(periodic);
        expect(await store.savedLog(id, 'stderr')).toBeUndefined();
        expect((await store.get(id))!.output).toEqual(summary(false, 5));

        const bytes = Buffer.from([0, 1, 2, 255, 10]);
        const final = log({
          jobId: id,
          kind: 'final',
          start: 3 * 2 ** 32,
          size: 3 * 2 ** 32 + 5,
          content: bytes,
        });
        const err = log({
          jobId: id,
          stream: 'stderr',
          kind: 'final',
          content: Buffer.alloc(0),
          size: 0,
        });
        await store.saveLogs(id, [final, err], summary(true, 5));
        expect(await store.savedLog(id, 'stdout')).toEqual(final);
        expect((await store.savedLog(id, 'stdout'))!.content.equals(bytes)).toBe(true);
        expect(await store.savedLog(id, 'stderr')).toEqual(err);
        expect((await store.get(id))!.output).toEqual(summary(true, 5));

        // A slow periodic copy after the end: neither the copy nor the summary goes back.
        await store.saveLogs(
          id,
          [log({ jobId: id, content: Buffer.from('late') })],
          summary(false, 4),
        );
        expect(await store.savedLog(id, 'stdout')).toEqual(final);
        expect((await store.get(id))!.output).toEqual(summary(true, 5));

        // Not a change of the job.
        const after = (await store.get(id))!;
        expect(after.lastUpdated).toBe(job!.lastUpdated);
        expect(await store.history(id)).toHaveLength(1);
      });
    });

    describe('tasks', () => {
      it('writes tasks by index with the counts, and pages them by index', async () => {
        const [job] = await createMany(store, 1, (i) =>
          record(i, { array: { indices: '0-4', maxParallel: 2 } }),
        );
        const id = job!.id;
        const task = (index: number, status: 'PENDING' | 'RUNNING' | 'SUCCEEDED') => ({
          index,
          name: null,
          status,
          remoteState: status,
          exitCode: status === 'SUCCEEDED' ? 0 : null,
          started: status === 'PENDING' ? null : '2026-11-23T10:02:00.000Z',
          ended: status === 'SUCCEEDED' ? '2026-11-23T10:03:00.500Z' : null,
        });
        await store.saveTasks(
          id,
          [4, 3, 2, 1, 0].map((i) => task(i, 'PENDING')),
          { total: 5, counts: counts({ PENDING: 5 }) },
        );
        expect((await store.tasks(id, { skip: 0, limit: 100 })).map((t) => t.index)).toEqual([
          0, 1, 2, 3, 4,
        ]);
        await store.saveTasks(id, [task(1, 'RUNNING'), task(3, 'SUCCEEDED')], {
          total: 5,
          counts: counts({ PENDING: 3, RUNNING: 1, SUCCEEDED: 1 }),
        });
        expect(await store.tasks(id, { skip: 1, limit: 3 })).toEqual([
          task(1, 'RUNNING'),
          task(2, 'PENDING'),
          task(3, 'SUCCEEDED'),
        ]);
        expect(await store.tasks(id, { skip: 5, limit: 3 })).toEqual([]);
        const after = (await store.get(id))!;
        expect(after.tasks).toEqual({
          total: 5,
          counts: counts({ PENDING: 3, RUNNING: 1, SUCCEEDED: 1 }),
        });
        expect(after.array).toEqual(job!.array);
        expect(await store.tasks(NO_SUCH_JOB, { skip: 0, limit: 10 })).toEqual([]);
      });
    });

    describe('retention: deleteEndedBefore', () => {
      const BOUND = '2026-11-30T00:00:00.000Z';
      const LONG_AGO = '2026-11-24T00:00:00.000Z';
      const ended = (
        i: number,
        status: 'FINISHED' | 'FAILED' | 'CANCELLED',
        at: string,
        over: Parameters<typeof record>[1] = {},
      ) => record(i, { status, ended: at, remoteDone: true, ...over });

      it('deletes the jobs that ended before the bound, the oldest first, a batch at a time; keeps every other', async () => {
        const due = [
          ended(1, 'FINISHED', '2026-11-24T00:00:00.000Z'),
          ended(2, 'FAILED', '2026-11-25T00:00:00.000Z', { hidden: true }),
          ended(3, 'CANCELLED', '2026-11-29T23:59:59.999Z'),
        ];
        const kept = [
          // At the bound is not before it.
          ended(4, 'FINISHED', BOUND),
          ended(5, 'FAILED', '2026-12-01T00:00:00.000Z'),
          // Created long ago, not ended.
          record(6, { status: 'RUNNING' }),
          record(7, { status: 'PENDING', remoteStarted: null }),
          record(8, { status: 'PROCESSING_INPUTS', remoteJobId: null, remoteStarted: null }),
          // Ended by a terminate that Slurm has not confirmed: the monitor still watches it.
          record(9, { status: 'CANCELLED', ended: LONG_AGO, remoteDone: false }),
        ];
        await createAll(store, [...kept, ...due]);
        expect(await store.deleteEndedBefore(BOUND, 2)).toBe(2);
        expect(await store.get(due[0]!.id)).toBeUndefined();
        expect(await store.get(due[1]!.id)).toBeUndefined();
        expect(await store.get(due[2]!.id)).toBeDefined();
        // The same instant with an offset.
        expect(await store.deleteEndedBefore('2026-11-30T01:00:00.000+01:00', 2)).toBe(1);
        expect(await store.deleteEndedBefore(BOUND, 2)).toBe(0);
        const left = await store.list('alice', { limit: 100, includeHidden: true });
        expect(left.jobs.map((j) => j.id)).toEqual(newestFirst(kept));
        expect(left.jobs).toEqual(newestFirst(kept).map((id) => kept.find((j) => j.id === id)));
        expect(await store.watched('cluster')).toHaveLength(4);
      });

      it('takes all that is kept of a job with it, and never hands out its event ids again', async () => {
        const gone = ended(1, 'FINISHED', LONG_AGO);
        const other = ended(2, 'FINISHED', '2026-12-01T00:00:00.000Z');
        await store.create(gone, created, { requestKey: 'retention-key-1' });
        await store.create(other, created, { requestKey: 'retention-key-2' });
        await store.saveLogs(
          gone.id,
          [
            {
              jobId: gone.id,
              stream: 'stdout',
              kind: 'final',
              at: LONG_AGO,
              start: 0,
              size: 2,
              content: Buffer.from('ok'),
            },
          ],
          { collected: true, at: LONG_AGO, bytes: 2, truncated: false },
        );
        const task = {
          index: 0,
          name: null,
          status: 'SUCCEEDED' as const,
          remoteState: 'COMPLETED',
          exitCode: 0,
          started: LONG_AGO,
          ended: LONG_AGO,
        };
        await store.saveTasks(gone.id, [task], { total: 1, counts: counts({ SUCCEEDED: 1 }) });
        // The newest event of all is the deleted job's.
        await store.update(gone.id, {
          events: [{ event: 'RESUBMITTED_AS', actor: 'alice', description: 'late event' }],
        });
        const newest = await store.lastEventId();
        const [before] = (await store.eventsOf(null, 0, {}, 100)).slice(-1);
        expect(before).toMatchObject({ id: newest, jobId: gone.id });

        expect(await store.deleteEndedBefore(BOUND, 10)).toBe(1);
        expect(await store.get(gone.id)).toBeUndefined();
        expect(await store.history(gone.id)).toEqual([]);
        expect(await store.savedLog(gone.id, 'stdout')).toBeUndefined();
        expect(await store.tasks(gone.id, { skip: 0, limit: 10 })).toEqual([]);
        expect(await store.jobForRequestKey('alice', 'retention-key-1')).toBeUndefined();
        expect((await store.eventsOf(null, 0, {}, 100)).map((e) => e.jobId)).toEqual([other.id]);
        // Another job's are all there.
        expect(await store.history(other.id)).toHaveLength(1);
        expect(await store.jobForRequestKey('alice', 'retention-key-2')).toBe(other.id);
        // The next event's id is above every one handed out, the deleted newest included.
        const next = record(3);
        await store.create(next, created);
        const after = await store.eventsOf(null, newest, {}, 10);
        expect(after.map((e) => e.jobId)).toEqual([next.id]);
        expect(after[0]!.id).toBeGreaterThan(newest);
      });

      it('a kept job still names the deleted one it was resubmitted from, or as', async () => {
        // Deleted, resubmitted as a job that runs now.
        const first = ended(1, 'CANCELLED', LONG_AGO);
        await store.create(first, created);
        const rerun = record(2, { status: 'RUNNING', resubmittedFrom: first.id });
        await store.create(rerun, created, { previousEvent: linked(rerun.id) });
        // Kept (its Slurm job not confirmed gone), resubmitted as one that ended long ago.
        const held = record(3, { status: 'CANCELLED', ended: LONG_AGO, remoteDone: false });
        await store.create(held, created);
        const quick = ended(4, 'FAILED', LONG_AGO, { resubmittedFrom: held.id });
        await store.create(quick, created, { previousEvent: linked(quick.id) });

        expect(await store.deleteEndedBefore(BOUND, 10)).toBe(2);
        expect(await store.get(first.id)).toBeUndefined();
        expect(await store.get(quick.id)).toBeUndefined();
        expect((await store.get(rerun.id))?.resubmittedFrom).toBe(first.id);
        expect((await store.get(held.id))?.resubmittedAs).toBe(quick.id);
      });

      it('two gateways deleting at once delete every due job once between them', async () => {
        const jobs = await fill(
          Array.from({ length: 60 }, (_, i) => ended(i, 'FINISHED', LONG_AGO)),
        );
        const other = await another();
        const drain = async (s: JobStore) => {
          let total = 0;
          for (;;) {
            const n = await s.deleteEndedBefore(BOUND, 5);
            if (n === 0) return total;
            total += n;
          }
        };
        const [a, b] = await Promise.all([drain(store), drain(other)]);
        expect(a + b).toBe(jobs.length);
        expect((await store.list(null, { limit: 100, includeHidden: true })).jobs).toEqual([]);
        expect(await store.deleteEndedBefore(BOUND, 5)).toBe(0);
      });
    });

    describe('bad input', () => {
      it('a NUL in a value matches nothing and throws nothing', async () => {
        const [job] = await createMany(store, 1, (i) => record(i));
        const nul = 'a\u0000b';
        expect(await store.get(nul)).toBeUndefined();
        expect(await store.history(nul)).toEqual([]);
        expect(await store.update(nul, { patch: { lastMessage: 'x' } })).toBeUndefined();
        expect(await store.setHidden(nul, true)).toBeUndefined();
        expect((await store.list(nul, { limit: 10 })).jobs).toEqual([]);
        expect((await store.list('alice', { limit: 10, name: nul })).jobs).toEqual([]);
        expect(await store.select('alice', { names: [nul] })).toEqual([]);
        expect(await store.select('alice', { tags: [nul] })).toEqual([]);
        expect(await store.eventsOf(nul, 0, {}, 10)).toEqual([]);
        expect(await store.countActive(nul)).toBe(0);
        expect(await store.exclusiveHolder('alice', nul)).toBeUndefined();
        expect(await store.getIdempotentResponse('alice', nul)).toBeUndefined();
        expect(await store.watched(nul)).toEqual([]);
        expect((await store.list('alice', { limit: 10 })).jobs.map((j) => j.id)).toEqual([job!.id]);
      });

      it('answers ping, and a closed store refuses instead of hanging', async () => {
        await store.ping();
        await store.close();
        opened.splice(opened.indexOf(store), 1);
        await expect(store.ping()).rejects.toThrow();
      });
    });
  });
}
