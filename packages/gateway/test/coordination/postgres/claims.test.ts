import { describe, expect, it } from 'vitest';
import { PgJobLocks } from '../../../src/coordination/postgres/pg-job-locks.js';
import { PgRequestClaims } from '../../../src/coordination/postgres/pg-request-claims.js';
import { silentLog } from '../../fakes/fake-jobs.js';
import { pgReplicas, TTL } from './harness.js';

// Job claims and request claims across two replicas on a real PostgreSQL.
const pg = pgReplicas();

async function replica(schema: string, id: string) {
  const { store } = await pg.replica(schema, id);
  return {
    store,
    locks: new PgJobLocks(store.pool, id, TTL, silentLog),
    claims: new PgRequestClaims(store.pool, id, TTL),
  };
}

describe('PgJobLocks', () => {
  it("one replica's run of a job waits for another's, which it sees as the holder", async () => {
    const schema = pg.freshSchema();
    const a = await replica(schema, 'a');
    const b = await replica(schema, 'b');
    const order: string[] = [];
    let finishA = () => {};
    const aRuns = a.locks.run('job-1', 'submit', 'submit', async () => {
      order.push('a starts');
      await new Promise<void>((r) => {
        finishA = r;
      });
      order.push('a ends');
    });
    await new Promise((r) => setTimeout(r, 100));
    expect(await b.locks.holders(['job-1', 'job-2'])).toEqual(new Map([['job-1', 'submit']]));
    const bRuns = b.locks.run('job-1', 'signal', 'stop:cancel:all', async () => {
      order.push('b runs');
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(order).toEqual(['a starts']);
    finishA();
    await Promise.all([aRuns, bRuns]);
    expect(order).toEqual(['a starts', 'a ends', 'b runs']);
    expect(await b.locks.holders(['job-1'])).toEqual(new Map());
  });

  it('a hold takes all its jobs or none, and a dead replica’s claims are void', async () => {
    const schema = pg.freshSchema();
    const a = await replica(schema, 'a');
    const b = await replica(schema, 'b');
    // A replica killed while it held job-3: no heartbeat of its name.
    await a.store.pool.query(
      `INSERT INTO job_claims (job_id, activity, replica, since) VALUES ('job-3', 'signal', 'ghost', now())`,
    );
    const releaseA = await a.locks.hold(['job-1'], 'signal');
    let bHolds = false;
    const bHold = b.locks.hold(['job-2', 'job-1', 'job-3'], 'signal').then((release) => {
      bHolds = true;
      return release;
    });
    await new Promise((r) => setTimeout(r, 200));
    expect(bHolds).toBe(false);
    // Waiting for job-1, b holds none of the others meanwhile.
    expect(await a.locks.holders(['job-2', 'job-3'])).toEqual(new Map());
    releaseA();
    const releaseB = await bHold;
    expect(await a.locks.holders(['job-1', 'job-2', 'job-3'])).toEqual(
      new Map([
        ['job-1', 'signal'],
        ['job-2', 'signal'],
        ['job-3', 'signal'],
      ]),
    );
    releaseB();
  });
});

describe('PgRequestClaims', () => {
  it('one replica at a time runs a key; released, another may', async () => {
    const schema = pg.freshSchema();
    const a = await replica(schema, 'a');
    const b = await replica(schema, 'b');
    expect(await a.claims.tryClaim('alice', 'key-00001')).toBe(true);
    expect(await b.claims.tryClaim('alice', 'key-00001')).toBe(false);
    expect(await b.claims.tryClaim('bob', 'key-00001')).toBe(true);
    await a.claims.release('alice', 'key-00001');
    expect(await b.claims.tryClaim('alice', 'key-00001')).toBe(true);
  });
});
