import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hpcgate } from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('client.jobs: hide, unhide, and listing hidden jobs', () => {
  it('hideJob and unhideJob post to their routes and return the job', async () => {
    nock(baseUrl)
      .post(`/v3/jobs/${aJob.id}/hide`, {})
      .reply(200, { ...aJob, hidden: true })
      .post(`/v3/jobs/${aJob.id}/unhide`, {})
      .reply(200, { ...aJob, hidden: false });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    expect((await jobs.hideJob({ jobId: aJob.id })).hidden).toBe(true);
    expect((await jobs.unhideJob({ jobId: aJob.id })).hidden).toBe(false);
    expect(nock.isDone()).toBe(true);
  });

  it('getJobList sends includeHidden only when asked', async () => {
    nock(baseUrl)
      .get('/v3/jobs/list')
      .query({ includeHidden: 'true' })
      .reply(200, { jobs: [{ ...aJob, hidden: true }], nextCursor: null })
      .get('/v3/jobs/list')
      .query({})
      .reply(200, { jobs: [], nextCursor: null });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    expect((await jobs.getJobList({ includeHidden: true })).jobs[0]?.hidden).toBe(true);
    expect((await jobs.getJobList()).jobs).toEqual([]);
    expect(nock.isDone()).toBe(true);
  });

  it('a job from a gateway without these fields reads as not hidden, not exclusive, not resubmitted', async () => {
    const { exclusiveKey, hidden, resubmittedFrom, resubmittedAs, ...older } = aJob;
    nock(baseUrl).get(`/v3/jobs/${aJob.id}`).reply(200, older);
    expect(await new Hpcgate({ baseUrl }).jobs.getJob({ jobId: aJob.id })).toMatchObject({
      exclusiveKey: null,
      hidden: false,
      resubmittedFrom: null,
      resubmittedAs: null,
    });
  });
});
