import { afterEach, describe, expect, it } from 'vitest';
import { PgBus } from '../../../src/coordination/postgres/pg-bus.js';
import type { BusMessage } from '../../../src/coordination/replica-bus.js';
import { silentLog } from '../../fakes/fake-jobs.js';
import { pgReplicas, until } from './harness.js';

// LISTEN/NOTIFY between two replicas on a real PostgreSQL.
const pg = pgReplicas();
const buses: PgBus[] = [];
afterEach(async () => {
  for (const b of buses.splice(0)) await b.close();
});

async function bus(schema: string, id: string) {
  const store = await pg.store(schema);
  const b = new PgBus(store.pool, { connectionString: pg.url }, schema, id, silentLog);
  buses.push(b);
  await b.start();
  const heard: BusMessage[] = [];
  b.subscribe((m) => heard.push(m));
  return { bus: b, heard };
}

describe('PgBus', () => {
  it("tells the other replicas, not itself, nor another schema's gateways", async () => {
    const schema = pg.freshSchema();
    const a = await bus(schema, 'a');
    const b = await bus(schema, 'b');
    const elsewhere = await bus(pg.freshSchema(), 'c');
    a.bus.publish({ type: 'poll', system: 'x', kind: 'refresh', request: 'r1' });
    await until('b hears', () => b.heard.length === 1);
    expect(b.heard).toEqual([{ type: 'poll', system: 'x', kind: 'refresh', request: 'r1' }]);
    await new Promise((r) => setTimeout(r, 200));
    expect(a.heard).toEqual([]);
    expect(elsewhere.heard).toEqual([]);
  });

  it('sends the jobs changed in one turn together, in messages under the size limit', async () => {
    const schema = pg.freshSchema();
    const a = await bus(schema, 'a');
    const b = await bus(schema, 'b');
    const ids = Array.from(
      { length: 400 },
      (_, i) => `00000000-0000-4000-8000-${String(i).padStart(12, '0')}`,
    );
    for (const id of ids) a.bus.publish({ type: 'jobs', ids: [id] });
    a.bus.publish({ type: 'jobs', ids: [ids[0]!] });
    const received = () => b.heard.flatMap((m) => (m.type === 'jobs' ? m.ids : []));
    await until('b hears every id', () => received().length >= 400);
    expect(new Set(received())).toEqual(new Set(ids));
    expect(received()).toHaveLength(400);
    expect(b.heard.length).toBe(3);
  });

  it('after its connection drops, it listens again and says so (resync)', async () => {
    const schema = pg.freshSchema();
    const a = await bus(schema, 'a');
    const b = await bus(schema, 'b');
    let resynced = 0;
    b.bus.onResync(() => resynced++);
    const store = await pg.store(schema);
    // The server ends b's listening connection (a restart, a network cut).
    await store.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE query ILIKE 'LISTEN%' AND pid <> pg_backend_pid() AND query ILIKE $1`,
      [`%${b.bus.channel}%`],
    );
    await until('b resyncs', () => resynced === 1);
    a.bus.publish({ type: 'polled', request: 'after' });
    await until('b hears again', () => b.heard.some((m) => m.type === 'polled'));
  });
});
