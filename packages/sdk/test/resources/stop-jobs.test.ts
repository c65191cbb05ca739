import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hpcgate } from '../../src/index.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('client.jobs.stopJobs: the outcome as a whole', () => {
  it('returns NO_JOBS_RUNNING and the message when nothing runs', async () => {
    const message = 'no job executions are currently running that match names=[nightly-*]';
    nock(baseUrl)
      .post('/v3/jobs/stop', { selector: { names: ['nightly-*'] } })
      .reply(200, {
        mode: 'cancel',
        whatIf: false,
        status: 'NO_JOBS_RUNNING',
        message,
        results: [],
      });
    const res = await new Hpcgate({ baseUrl }).jobs.stopJobs({
      selector: { names: ['nightly-*'] },
    });
    expect(res).toMatchObject({ status: 'NO_JOBS_RUNNING', message, results: [] });
  });

  it('an answer without status is not the contract: InvalidResponseError', async () => {
    nock(baseUrl).post('/v3/jobs/stop').reply(200, { mode: 'cancel', whatIf: false, results: [] });
    await expect(
      new Hpcgate({ baseUrl }).jobs.stopJobs({ selector: { names: ['x'] } }),
    ).rejects.toMatchObject({ name: 'InvalidResponseError' });
  });
});
