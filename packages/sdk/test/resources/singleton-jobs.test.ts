import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ConflictError, Hpcgate } from '../../src/index.js';
import { aJob } from '../fixtures.js';

const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('client.jobs.submitJob: singletons', () => {
  it('sends exclusive and exclusiveKey as given', async () => {
    const bodies: unknown[] = [];
    nock(baseUrl)
      .post('/v3/jobs/submit', (b) => bodies.push(b) > 0)
      .times(2)
      .reply(201, { ...aJob, exclusiveKey: 'nightly' });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const base = { name: 'nightly', execSystemId: 'cluster', command: 'true' };
    const job = await jobs.submitJob({ ...base, exclusive: true });
    await jobs.submitJob({ ...base, exclusiveKey: 'etl' });
    expect(job.exclusiveKey).toBe('nightly');
    expect(bodies).toEqual([
      { ...base, exclusive: true },
      { ...base, exclusiveKey: 'etl' },
    ]);
  });

  it('409 JOB_ALREADY_RUNNING is a ConflictError carrying the job that holds the key', async () => {
    const since = '2026-11-23T10:00:01.000Z';
    const message = `A job named nightly is already running: job ${aJob.id} (RUNNING since ${since}). To stop it: POST /v3/jobs/${aJob.id}/cancel`;
    nock(baseUrl)
      .post('/v3/jobs/submit')
      .reply(409, {
        error: {
          code: 'JOB_ALREADY_RUNNING',
          message,
          details: {
            jobId: aJob.id,
            name: 'nightly',
            status: 'RUNNING',
            since,
            exclusiveKey: 'nightly',
          },
        },
      });
    const err = await new Hpcgate({ baseUrl, maxRetries: 0 }).jobs
      .submitJob({ name: 'nightly', execSystemId: 'cluster', command: 'true', exclusive: true })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err).toMatchObject({ status: 409, code: 'JOB_ALREADY_RUNNING', message });
    expect((err as ConflictError).job).toEqual({
      id: aJob.id,
      name: 'nightly',
      status: 'RUNNING',
      since,
    });
  });
});
