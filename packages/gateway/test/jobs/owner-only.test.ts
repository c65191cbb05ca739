import { describe, expect, it } from 'vitest';
import { ProcessCoordination } from '../../src/coordination/process-coordination.js';
import { JobNotFoundError } from '../../src/domain/errors.js';
import { JobService } from '../../src/jobs/job-service.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { fakeSystemConfig, silentLog } from '../fakes/fake-jobs.js';
import { FakeScheduler } from '../fakes/fake-scheduler.js';

// Resubmit and hide are the owner's alone, admins included (docs/api.md), over a FAKE scheduler.
describe('owner-only job operations', () => {
  it('an admin may read a job of another user, but not resubmit or hide it: 404', async () => {
    const scheduler = new FakeScheduler('fake');
    const store = new SqliteJobStore(':memory:');
    const jobs = new JobService(
      store,
      new Map([['fake', { config: fakeSystemConfig(), scheduler }]]),
      { maxActiveJobsPerUser: 10 },
      new ProcessCoordination('test'),
      silentLog,
    );
    const alice = { username: 'alice', isAdmin: false };
    const admin = { username: 'carol', isAdmin: true };
    const job = await jobs.submit(alice, {
      name: 'j',
      execSystemId: 'fake',
      command: 'true',
      args: [],
      env: {},
      tags: [],
    });
    expect((await jobs.get(admin, job.id)).id).toBe(job.id);
    await expect(jobs.resubmit(admin, job.id, {})).rejects.toBeInstanceOf(JobNotFoundError);
    await expect(jobs.setHidden(admin, job.id, true)).rejects.toBeInstanceOf(JobNotFoundError);
    expect(await store.get(job.id)).toMatchObject({ hidden: false, resubmittedAs: null });
    expect((await store.list('carol', { limit: 10 })).jobs).toEqual([]);
    // The owner may.
    expect((await jobs.setHidden(alice, job.id, true)).hidden).toBe(true);
    expect((await jobs.resubmit(alice, job.id, {})).resubmittedFrom).toBe(job.id);
    await jobs.close();
    await store.close();
  });
});
