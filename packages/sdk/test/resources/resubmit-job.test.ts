import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Hpcgate, NotFoundError } from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

const next = { ...aJob, id: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f', resubmittedFrom: aJob.id };

describe('client.jobs.resubmitJob', () => {
  it('posts the overrides only (the id goes in the path), with an Idempotency-Key', async () => {
    let body: unknown;
    let key: string | undefined;
    nock(baseUrl)
      .post(`/v3/jobs/${aJob.id}/resubmit`, (b) => {
        body = b;
        return true;
      })
      .reply(function reply() {
        key = this.req.headers['idempotency-key'] as string | undefined;
        return [201, next];
      });
    const job = await new Hpcgate({ baseUrl }).jobs.resubmitJob({
      jobId: aJob.id,
      maxMinutes: 7,
      command: 'sleep 60',
    });
    expect(body).toEqual({ maxMinutes: 7, command: 'sleep 60' });
    expect(key).toMatch(/^[A-Za-z0-9_.:-]{8,128}$/);
    expect(job).toMatchObject({ id: next.id, resubmittedFrom: aJob.id });
  });

  it('with no overrides sends an empty body; 404 is a NotFoundError', async () => {
    nock(baseUrl)
      .post(`/v3/jobs/${aJob.id}/resubmit`, {})
      .reply(404, {
        error: {
          code: 'JOB_NOT_FOUND',
          message: `job ${aJob.id} not found`,
          details: { jobId: aJob.id },
        },
      });
    const err = await new Hpcgate({ baseUrl }).jobs
      .resubmitJob({ jobId: aJob.id })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect(err).toMatchObject({ code: 'JOB_NOT_FOUND' });
  });
});
