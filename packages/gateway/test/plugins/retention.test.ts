import { Writable } from 'node:stream';
import Fastify, { type FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import retention from '../../src/plugins/retention.js';
import type { JobStore } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { paperAuth, paperSystem } from '../helpers/config-input.js';
import { record } from '../store/fixtures.js';

// The retention plugin on a real (in-memory) store, with the clock and the timers faked: when
// passes run, what they delete and log, and how they stop.

const auth = paperAuth;
const system = paperSystem('cluster');
const NOW = '2026-12-31T00:00:00.000Z';
const HOUR = 3_600_000;
const created = { event: 'JOB_CREATED' as const, actor: 'alice', description: 'created' };

let app: FastifyInstance | undefined;
let store: SqliteJobStore;
let logs: Record<string, unknown>[];
/** What happened, in order: each batch as it returned, and the store's close. */
let happened: string[];

beforeEach(() => {
  vi.useFakeTimers({
    toFake: ['setTimeout', 'setInterval', 'clearTimeout', 'clearInterval', 'Date'],
  });
  vi.setSystemTime(NOW);
  store = new SqliteJobStore(':memory:');
  logs = [];
  happened = [];
});
afterEach(async () => {
  await app?.close();
  app = undefined;
  vi.useRealTimers();
});

/** A gateway of the store and the plugin only, with `store.retentionDays` as given. */
async function start(retentionDays: number | undefined, batchSize = 2): Promise<FastifyInstance> {
  const config = parseConfig({ auth, systems: [system], store: { retentionDays } });
  const stream = new Writable({
    write(chunk, _encoding, done) {
      logs.push(JSON.parse(chunk.toString()));
      done();
    },
  });
  app = Fastify({ logger: { level: 'debug', stream } });
  await app.register(
    fp(
      async (f) => {
        f.decorate('store', store as JobStore);
        f.addHook('onClose', async () => {
          happened.push('store closed');
          await store.close();
        });
      },
      { name: 'store' },
    ),
  );
  await app.register(retention, { config, firstRunMs: 60_000, batchSize });
  await app.ready();
  return app;
}

/** Counts the store's deleteEndedBefore calls, with what each was asked and answered. */
function spyOnDeletes() {
  const calls: { before: string; limit: number; deleted: number }[] = [];
  const original = store.deleteEndedBefore.bind(store);
  store.deleteEndedBefore = async (before, limit) => {
    const deleted = await original(before, limit);
    calls.push({ before, limit, deleted });
    happened.push(`deleted ${deleted}`);
    return deleted;
  };
  return calls;
}

const ended = (i: number, at: string) =>
  record(i, { status: 'FINISHED', ended: at, remoteDone: true });

async function createAll(...jobs: ReturnType<typeof record>[]) {
  for (const job of jobs) await store.create(job, created);
  return jobs;
}

const retentionLogs = () => logs.filter((l) => l.component === 'retention');
/** Until `n` passes have ended (each logs once, at its end). */
const passDone = (n: number) => vi.waitFor(() => expect(retentionLogs()).toHaveLength(n));

describe('retention plugin', () => {
  it('does nothing without store.retentionDays', async () => {
    await createAll(ended(1, '2020-01-01T00:00:00.000Z'));
    const calls = spyOnDeletes();
    await start(undefined);
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(calls).toEqual([]);
    expect(await store.list('alice', { limit: 10 })).toMatchObject({ jobs: [{ name: 'job-1' }] });
  });

  it('a minute after start, deletes what ended more than N days ago, a batch at a time until none is left, and logs how many', async () => {
    const due = await createAll(
      ended(1, '2026-11-01T00:00:00.000Z'),
      ended(2, '2026-11-20T00:00:00.000Z'),
      ended(3, '2026-11-30T23:59:59.999Z'),
    );
    // At the bound: not before it.
    const kept = await createAll(ended(4, '2026-12-01T00:01:00.000Z'), record(5));
    const calls = spyOnDeletes();
    await start(30);
    await vi.advanceTimersByTimeAsync(59_000);
    expect(calls).toEqual([]);
    await vi.advanceTimersByTimeAsync(1_000);
    await passDone(1);
    // 30 days before the pass; batches of 2 until one comes back short.
    const before = '2026-12-01T00:01:00.000Z';
    expect(calls).toEqual([
      { before, limit: 2, deleted: 2 },
      { before, limit: 2, deleted: 1 },
    ]);
    for (const job of due) expect(await store.get(job.id)).toBeUndefined();
    for (const job of kept) expect(await store.get(job.id)).toBeDefined();
    expect(retentionLogs()).toEqual([
      expect.objectContaining({
        level: 30,
        deleted: 3,
        before,
        msg: `retention: deleted 3 jobs that ended before ${before}`,
      }),
    ]);
  });

  it('runs again every hour, its bound moving with the clock; a pass with nothing to do logs at debug', async () => {
    const calls = spyOnDeletes();
    await start(30);
    await vi.advanceTimersByTimeAsync(60_000);
    await passDone(1);
    expect(calls).toHaveLength(1);
    expect(retentionLogs()).toEqual([
      expect.objectContaining({ level: 20, msg: 'retention: no job to delete' }),
    ]);
    // Ended an hour after the first pass's bound: due at the first pass one hour later.
    const [late] = await createAll(ended(1, '2026-12-01T00:30:00.000Z'));
    await vi.advanceTimersByTimeAsync(HOUR - 60_000);
    await passDone(2);
    expect(calls.map((c) => [c.before, c.deleted])).toEqual([
      ['2026-12-01T00:01:00.000Z', 0],
      ['2026-12-01T01:00:00.000Z', 1],
    ]);
    expect(await store.get(late!.id)).toBeUndefined();
  });

  it('a failed pass is logged, and the next one goes on', async () => {
    await createAll(ended(1, '2026-11-01T00:00:00.000Z'));
    const original = store.deleteEndedBefore.bind(store);
    let failures = 1;
    store.deleteEndedBefore = async (before, limit) => {
      if (failures-- > 0) throw new Error('database is locked');
      return original(before, limit);
    };
    await start(30);
    await vi.advanceTimersByTimeAsync(60_000);
    await passDone(1);
    expect(retentionLogs()).toEqual([
      expect.objectContaining({
        level: 40,
        err: 'database is locked',
        msg: 'retention pass failed; the next pass goes on',
      }),
    ]);
    await vi.advanceTimersByTimeAsync(HOUR);
    await passDone(2);
    expect(retentionLogs().at(-1)).toMatchObject({ level: 30, deleted: 1 });
  });

  it('never runs two passes at once, and a close waits for the batch in flight, starts no other, and comes before the store closes', async () => {
    await createAll(...Array.from({ length: 6 }, (_, i) => ended(i, '2026-11-01T00:00:00.000Z')));
    const original = store.deleteEndedBefore.bind(store);
    let release!: () => void;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let calls = 0;
    store.deleteEndedBefore = async (before, limit) => {
      calls++;
      await held;
      const deleted = await original(before, limit);
      happened.push(`deleted ${deleted}`);
      return deleted;
    };
    const gateway = await start(30);
    await vi.advanceTimersByTimeAsync(60_000);
    // The first batch is held: hours go by, no second pass starts beside it.
    await vi.advanceTimersByTimeAsync(3 * HOUR);
    expect(calls).toBe(1);
    let closed = false;
    const closing = gateway.close().then(() => {
      closed = true;
    });
    app = undefined;
    await vi.advanceTimersByTimeAsync(0);
    expect(closed).toBe(false);
    release();
    await closing;
    // A full batch (2 of 6), yet no next one: the gateway was closing.
    expect(calls).toBe(1);
    expect(happened).toEqual(['deleted 2', 'store closed']);
  });
});
