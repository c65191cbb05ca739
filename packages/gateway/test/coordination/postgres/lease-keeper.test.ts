import { describe, expect, it } from 'vitest';
import { FencedOutError } from '../../../src/store/fence.js';
import { record } from '../../store/fixtures.js';
import { pgReplicas, TTL, until } from './harness.js';

// Leases on a real PostgreSQL: two replicas (each its own pool), one holder at a time, a
// takeover only after the holder stopped counting itself the holder, and its writes fenced.
const pg = pgReplicas();

async function replica(schema: string, id: string) {
  const { store, keeper, leases } = await pg.replica(schema, id, ['poll:x']);
  return { store, keeper, lease: leases[0]! };
}

describe('LeaseKeeper', () => {
  it('gives a lease to exactly one replica, and to the other when the first leaves', async () => {
    const schema = pg.freshSchema();
    const a = await replica(schema, 'a');
    const b = await replica(schema, 'b');
    expect(a.lease.held()).toBe(true);
    expect(b.lease.held()).toBe(false);
    const states = await b.keeper.states();
    expect(states).toEqual([
      expect.objectContaining({ name: 'poll:x', holder: 'a', epoch: 1, heldHere: false }),
    ]);
    await a.keeper.close();
    // A replica that leaves gives the lease up: the other takes it at its next tick.
    await until('b holds the lease', () => b.lease.held(), TTL);
    expect((await b.keeper.states())[0]).toMatchObject({ holder: 'b', epoch: 2, heldHere: true });
  });

  it('a holder cut off from the database stops holding before another takes over; its writes are fenced', async () => {
    const schema = pg.freshSchema();
    const a = await replica(schema, 'a');
    const b = await replica(schema, 'b');
    const job = record(1, { status: 'RUNNING' });
    await a.store.create(job, { event: 'JOB_CREATED', actor: 'alice', description: 'c' });
    const staleFence = a.lease.fence()!;
    expect(staleFence).toEqual({ name: 'poll:x', holder: 'a', epoch: 1 });

    const seen: string[] = [];
    a.lease.onChange((held) => seen.push(held ? 'a gained' : 'a lost'));
    b.lease.onChange((held) => seen.push(held ? 'b gained' : 'b lost'));
    // Its pool gone, a can renew nothing (a partition, a long pause): its time runs out.
    await a.store.pool.end();
    await until('b holds the lease', () => b.lease.held(), 3 * TTL);
    expect(seen).toEqual(['a gained', 'a lost', 'b gained']);
    expect(a.lease.held()).toBe(false);
    expect(b.lease.fence()).toEqual({ name: 'poll:x', holder: 'b', epoch: 2 });

    // What a would still write with its old fence is refused; b's goes through.
    const write = (fence: typeof staleFence) =>
      b.store.update(job.id, { patch: { lastMessage: `by ${fence.holder}` }, fence });
    await expect(write(staleFence)).rejects.toBeInstanceOf(FencedOutError);
    expect((await write(b.lease.fence()!))?.lastMessage).toBe('by b');
  });
});
