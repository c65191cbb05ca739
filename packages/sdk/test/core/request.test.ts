import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  ConflictError,
  Hpcgate,
  InvalidResponseError,
  RateLimitError,
  ServerError,
  TimeoutError,
} from '../../src/index.js';
import { aJob } from '../fixtures.js';

// Unit tests of the request core's HTTP behaviour: nock stands in for the gateway.
const baseUrl = 'http://gateway.test';
beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('retries', () => {
  it('retries a 503 and then succeeds', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(503, {})
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob);
    const job = await new Hpcgate({ baseUrl }).jobs.getJob({ jobId: aJob.id });
    expect(job.id).toBe(aJob.id);
  });

  it('honours Retry-After on 429', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(429, { error: { code: 'RATE_LIMITED', message: 'slow down' } }, { 'Retry-After': '1' })
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob);
    const started = Date.now();
    await new Hpcgate({ baseUrl }).jobs.getJob({ jobId: aJob.id });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('gives up after maxRetries with the last error', async () => {
    const scope = nock(baseUrl).get('/healthz').times(3).reply(500, {});
    const err = await new Hpcgate({ baseUrl, maxRetries: 2 }).health.check().catch((e) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(scope.isDone()).toBe(true);
  });

  it('does not retry a 409, which carries the job and its status', async () => {
    nock(baseUrl)
      .post(`/v3/jobs/${aJob.id}/cancel`)
      .once()
      .reply(409, {
        error: {
          code: 'JOB_NOT_CANCELLABLE',
          message: 'job is FINISHED',
          details: { jobId: aJob.id, status: 'FINISHED' },
        },
      });
    const err = await new Hpcgate({ baseUrl }).jobs.cancelJob({ jobId: aJob.id }).catch((e) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect(err.code).toBe('JOB_NOT_CANCELLABLE');
    expect(err.job).toEqual({ id: aJob.id, status: 'FINISHED', name: null, since: null });
  });

  it('a 429 after every retry is a RateLimitError', async () => {
    nock(baseUrl).get('/healthz').times(2).reply(429, {}, { 'Retry-After': '0' });
    const err = await new Hpcgate({ baseUrl, maxRetries: 1 }).health.check().catch((e) => e);
    expect(err).toBeInstanceOf(RateLimitError);
  });
});

describe('Idempotency-Key', () => {
  it('a 409 IDEMPOTENCY_KEY_IN_USE (the first attempt still running) is retried with the same key', async () => {
    const keys: string[] = [];
    nock(baseUrl)
      .post('/v3/jobs/submit')
      .times(2)
      .reply(function () {
        keys.push(String(this.req.headers['idempotency-key']));
        return keys.length === 1
          ? [
              409,
              { error: { code: 'IDEMPOTENCY_KEY_IN_USE', message: 'still running' } },
              { 'Retry-After': '0' },
            ]
          : [201, aJob];
      });
    const job = await new Hpcgate({ baseUrl }).jobs.submitJob({
      name: 'x',
      execSystemId: 's',
      command: 'true',
    });
    expect(job.id).toBe(aJob.id);
    expect(keys).toHaveLength(2);
    expect(keys[1]).toBe(keys[0]);
  });

  it('every attempt of one POST carries the same key; a new call gets a new one', async () => {
    const keys: string[] = [];
    nock(baseUrl)
      .post('/v3/jobs/submit')
      .times(2)
      .reply(function () {
        keys.push(String(this.req.headers['idempotency-key']));
        return keys.length === 1 ? [502, {}] : [201, aJob];
      });
    const client = new Hpcgate({ baseUrl });
    await client.jobs.submitJob({ name: 'x', execSystemId: 's', command: 'true' });
    expect(keys).toHaveLength(2);
    expect(keys[0]).toMatch(/^sdk-[0-9a-f-]{36}$/);
    expect(keys[1]).toBe(keys[0]);

    nock(baseUrl)
      .post('/v3/jobs/submit')
      .reply(function () {
        keys.push(String(this.req.headers['idempotency-key']));
        return [201, aJob];
      });
    await client.jobs.submitJob({ name: 'x', execSystemId: 's', command: 'true' });
    expect(keys[2]).not.toBe(keys[0]);
  });

  it('GETs carry none', async () => {
    nock(baseUrl, { badheaders: ['idempotency-key'] })
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, aJob);
    await new Hpcgate({ baseUrl }).jobs.getJob({ jobId: aJob.id });
  });
});

describe('timeouts, abort and the contract', () => {
  it('a gateway that does not answer in time is a TimeoutError', async () => {
    nock(baseUrl).get('/healthz').delay(500).reply(200, { status: 'ok', systems: {} });
    const err = await new Hpcgate({ baseUrl, timeoutMs: 100, maxRetries: 0 }).health
      .check()
      .catch((e) => e);
    expect(err).toBeInstanceOf(TimeoutError);
  });

  it('an aborted call is an AbortError and is not retried', async () => {
    const scope = nock(baseUrl).get('/healthz').delay(500).reply(200, {});
    const controller = new AbortController();
    const pending = new Hpcgate({ baseUrl }).health.check({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(pending).rejects.toBeInstanceOf(AbortError);
    scope.persist(false);
  });

  it('a 2xx answer that breaks the contract is an InvalidResponseError', async () => {
    nock(baseUrl)
      .get(`/v3/jobs/${aJob.id}`)
      .reply(200, { ...aJob, status: 'DONE' });
    const err = await new Hpcgate({ baseUrl }).jobs.getJob({ jobId: aJob.id }).catch((e) => e);
    expect(err).toBeInstanceOf(InvalidResponseError);
  });

  it('sends the token from a provider on every attempt', async () => {
    let n = 0;
    nock(baseUrl)
      .get('/healthz')
      .matchHeader('authorization', 'Bearer t-1')
      .reply(503, {})
      .get('/healthz')
      .matchHeader('authorization', 'Bearer t-2')
      .reply(200, { status: 'ok', systems: {} });
    const client = new Hpcgate({ baseUrl, tokenProvider: () => `t-${++n}` });
    await expect(client.health.check()).resolves.toMatchObject({ status: 'ok' });
  });
});
