import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hpcgate } from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('jobs.cancelJob({ tasks })', () => {
  it('sends the tasks with the mode, and answers the job as the gateway does', async () => {
    const running = { ...aJob, status: 'RUNNING' as const };
    const scope = nock(baseUrl)
      .post(`/v3/jobs/${aJob.id}/cancel`, { mode: 'cancel', tasks: '5-9' })
      .reply(202, running);
    const client = new Hpcgate({ baseUrl, token: 't', maxRetries: 0 });
    const job = await client.jobs.cancelJob({ jobId: aJob.id, mode: 'cancel', tasks: '5-9' });
    expect(job.status).toBe('RUNNING');
    expect(scope.isDone()).toBe(true);
  });
});
