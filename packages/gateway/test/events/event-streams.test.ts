import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Database from 'better-sqlite3';
import type { FastifyBaseLogger } from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { EventStreams } from '../../src/jobs/event-stream.js';
import { MIGRATIONS } from '../../src/store/sqlite/migrations.js';
import { openStream } from './sse-client.js';

const noop = () => {};
const silent = {
  info: noop,
  warn: noop,
  error: noop,
  debug: noop,
  trace: noop,
  fatal: noop,
  child: () => silent,
} as unknown as FastifyBaseLogger;

let server: Server | undefined;
afterEach(() => {
  server?.close();
  server?.closeAllConnections();
});

/** A bare HTTP server whose every request is one stream of `streams`, reading nothing. */
async function serve(streams: EventStreams, user = 'u'): Promise<number> {
  server = createServer((_req, res) => {
    const release = streams.reserve(user);
    streams.open(
      res,
      {},
      {
        cursor: 0,
        source: { next: async () => ({ events: [] }) },
        subscribe: () => () => {},
        release,
        log: silent,
      },
    );
  });
  await new Promise<void>((r) => server?.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

describe('EventStreams', () => {
  it('sends a heartbeat comment every heartbeatMs, and frees the slot when the client leaves', async () => {
    const streams = new EventStreams({ heartbeatMs: 20 });
    const port = await serve(streams);
    const s = await openStream(port, '/', {});
    // At least three beats arrive (waited for, not timed: a loaded machine delays timers).
    await expect.poll(() => s.comments, { timeout: 5_000 }).toBeGreaterThanOrEqual(3);
    expect(streams.count('u')).toBe(1);
    s.close();
    await expect.poll(() => streams.count('u'), { timeout: 5_000 }).toBe(0);
    expect(streams.count()).toBe(0);
  });

  it('closeAll ends every open stream (the gateway is closing)', async () => {
    const streams = new EventStreams();
    const port = await serve(streams);
    const a = await openStream(port, '/', {});
    const b = await openStream(port, '/', {});
    await new Promise((r) => setTimeout(r, 20));
    streams.closeAll();
    await Promise.all([a.ended, b.ended]);
    expect(streams.count()).toBe(0);
  });

  it('reserve is per user and gives a slot back once however often released', () => {
    const streams = new EventStreams({ maxStreamsPerUser: 2 });
    const r1 = streams.reserve('x');
    streams.reserve('x');
    expect(() => streams.reserve('x')).toThrow(/event streams open/);
    streams.reserve('y');
    r1();
    r1();
    expect(streams.count('x')).toBe(1);
  });
});

describe('the global event id (migration)', () => {
  it('numbers existing events in the order written and new ones after, never reusing one', () => {
    const db = new Database(':memory:');
    // The migration that added the global ids, applied to a database that had events before it.
    const last = MIGRATIONS.findIndex((m) => m.includes('CREATE TABLE job_event_ids'));
    for (const sql of MIGRATIONS.slice(0, last)) db.exec(sql);
    db.exec(`INSERT INTO jobs (id, owner, name, exec_system_id, status, created, last_updated, tags)
             VALUES ('a', 'o', 'n', 's', 'PENDING', 't', 't', '[]'),
                    ('b', 'o', 'n', 's', 'PENDING', 't', 't', '[]')`);
    const ins = db.prepare(
      `INSERT INTO job_events (job_id, seq, at, event, status, description)
       VALUES (?, ?, ?, 'JOB_CREATED', 'PENDING', '')`,
    );
    ins.run('b', 1, '2026-01-01T00:00:01Z');
    ins.run('a', 1, '2026-01-01T00:00:00Z');
    ins.run('a', 2, '2026-01-01T00:00:02Z');
    db.exec(MIGRATIONS[last] as string);
    const ids = () =>
      db.prepare('SELECT id, job_id, seq FROM job_event_ids ORDER BY id').all() as {
        id: number;
        job_id: string;
        seq: number;
      }[];
    expect(ids().map((r) => [r.id, r.job_id, r.seq])).toEqual([
      [1, 'a', 1],
      [2, 'b', 1],
      [3, 'a', 2],
    ]);
    ins.run('b', 2, '2026-01-01T00:00:03Z');
    expect(ids().at(-1)).toEqual({ id: 4, job_id: 'b', seq: 2 });
    // The newest event deleted (its job gone): its id is never handed out again.
    db.pragma('foreign_keys = ON');
    db.exec("DELETE FROM jobs WHERE id = 'b'");
    expect(ids().map((r) => r.id)).toEqual([1, 3]);
    ins.run('a', 3, '2026-01-01T00:00:04Z');
    expect(ids().at(-1)?.id).toBe(5);
    db.exec('VACUUM');
    expect(ids().map((r) => r.id)).toEqual([1, 3, 5]);
  });
});
