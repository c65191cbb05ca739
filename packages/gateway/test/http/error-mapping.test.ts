import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TooManyActiveJobsError } from '../../src/domain/limit-errors.js';
import { TooManyJobsSelectedError } from '../../src/store/job-store.js';
import { type ListeningApp, listeningApp } from './offline-app.js';

// The limit errors as the error handler maps them (the service throws them; here a stubbed
// service call does).
let gw: ListeningApp;
let toThrow: Error;
beforeAll(async () => {
  gw = await listeningApp();
  gw.app.jobs.stopMany = async () => {
    throw toThrow;
  };
});
afterAll(() => gw?.app.close());

const stop = async () =>
  gw.app.inject({
    method: 'POST',
    url: '/v3/jobs/stop',
    headers: { authorization: `Bearer ${await gw.issuer.token('mapper')}` },
    payload: { selector: { status: ['RUNNING'] } },
  });

describe('limit errors → HTTP', () => {
  it('TooManyActiveJobsError → 429 TOO_MANY_ACTIVE_JOBS with its limit and Retry-After 30', async () => {
    toThrow = new TooManyActiveJobsError('mapper', 1000);
    const res = await stop();
    expect(res.statusCode).toBe(429);
    expect(res.headers['retry-after']).toBe('30');
    expect(res.json().error).toMatchObject({
      code: 'TOO_MANY_ACTIVE_JOBS',
      details: { limit: 1000 },
    });
  });

  it('TooManyJobsSelectedError → 400 TOO_MANY_JOBS_SELECTED with the count and the cap', async () => {
    toThrow = new TooManyJobsSelectedError(12_345, 10_000);
    const res = await stop();
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({
      code: 'TOO_MANY_JOBS_SELECTED',
      details: { field: 'body.selector', count: 12_345, max: 10_000 },
    });
  });
});
