import { describe, expect, it } from 'vitest';
import { ProcessCoordination } from '../../src/coordination/process-coordination.js';
import { TooManyActiveJobsError } from '../../src/domain/limit-errors.js';
import { JobService } from '../../src/jobs/job-service.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { fakeSystemConfig, silentLog } from '../fakes/fake-jobs.js';
import { FakeScheduler } from '../fakes/fake-scheduler.js';

// The per-user cap on unfinished jobs, over a FAKE scheduler (the logic above Slurm).
const config = fakeSystemConfig();

describe('limits.maxActiveJobsPerUser', () => {
  it('refuses the submit past the cap with 429 TOO_MANY_ACTIVE_JOBS; other users are not counted', async () => {
    const scheduler = new FakeScheduler('fake');
    const store = new SqliteJobStore(':memory:');
    const jobs = new JobService(
      store,
      new Map([['fake', { config, scheduler }]]),
      { maxActiveJobsPerUser: 3 },
      new ProcessCoordination('test'),
      silentLog,
    );
    const alice = { username: 'alice', isAdmin: false, kind: 'user' as const, claims: {} };
    const bob = { username: 'bob', isAdmin: false, kind: 'user' as const, claims: {} };
    const params = {
      name: 'j',
      execSystemId: 'fake',
      command: 'true',
      args: [],
      env: {},
      tags: [],
    };
    for (let i = 0; i < 3; i++) await jobs.submit(alice, params);
    const refused = jobs.submit(alice, params);
    await expect(refused).rejects.toBeInstanceOf(TooManyActiveJobsError);
    await expect(refused).rejects.toThrow(/3 unfinished jobs/);
    // Nothing was stored for the refused one, and bob has his own allowance.
    expect((await store.list('alice', { limit: 100 })).jobs).toHaveLength(3);
    await jobs.submit(bob, params);
    await jobs.close();
    await store.close();
  });
});
