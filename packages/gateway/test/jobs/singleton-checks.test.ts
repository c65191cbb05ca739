import { describe, expect, it } from 'vitest';
import { ProcessCoordination } from '../../src/coordination/process-coordination.js';
import { JobAlreadyRunningError } from '../../src/domain/singleton.js';
import { JobService } from '../../src/jobs/job-service.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { fakeSystemConfig, silentLog } from '../fakes/fake-jobs.js';
import { FakeScheduler } from '../fakes/fake-scheduler.js';

// Where the singleton check sits among a submit's checks, over a FAKE scheduler.
describe('singleton submits: the order of the checks', () => {
  it('a held key is 409 before the active-job cap is 429, and nothing reaches the scheduler', async () => {
    const scheduler = new FakeScheduler('fake');
    const store = new SqliteJobStore(':memory:');
    const jobs = new JobService(
      store,
      new Map([['fake', { config: fakeSystemConfig(), scheduler }]]),
      { maxActiveJobsPerUser: 1 },
      new ProcessCoordination('test'),
      silentLog,
    );
    const alice = { username: 'alice', isAdmin: false };
    const params = {
      name: 'nightly',
      execSystemId: 'fake',
      command: 'true',
      args: [],
      env: {},
      tags: [],
    };
    const first = await jobs.submit(alice, { ...params, exclusive: true });
    await expect.poll(async () => (await store.get(first.id))?.status).toBe('PENDING');
    // At the cap and holding the key: the answer names the holder, not the cap.
    const refused = await jobs
      .submit(alice, { ...params, exclusive: true })
      .catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(JobAlreadyRunningError);
    expect((refused as JobAlreadyRunningError).holder.jobId).toBe(first.id);
    expect((refused as Error).message).toBe(
      `A job named nightly is already running: job ${first.id} (PENDING since ${
        (await store.get(first.id))?.remoteSubmitted
      }). To stop it: POST /v3/jobs/${first.id}/cancel`,
    );
    // `exclusive: true` holds the name as its key: another name asking for that key meets it.
    const shared = jobs.submit(alice, { ...params, name: 'other', exclusiveKey: 'nightly' });
    await expect(shared).rejects.toThrow(`A job named nightly is already running: job ${first.id}`);
    expect(scheduler.submitted).toHaveLength(1);
    expect((await store.list('alice', { limit: 10 })).jobs).toHaveLength(1);
    await jobs.close();
    await store.close();
  });
});
