import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  APIError,
  AuthenticationError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  Hpcgate,
  NotFoundError,
  PermissionDeniedError,
  RateLimitError,
  ServerError,
} from '../../src/index.js';

// Unit tests of the request core's HTTP behaviour: nock stands in for the gateway.
const baseUrl = 'http://gateway.test';

beforeAll(() => nock.disableNetConnect());
afterEach(() => nock.cleanAll());

describe('error mapping from the HTTP status', () => {
  it.each([
    [400, BadRequestError],
    [401, AuthenticationError],
    [403, PermissionDeniedError],
    [404, NotFoundError],
    [409, ConflictError],
    [429, RateLimitError],
    [500, ServerError],
    [503, ServerError],
  ])('%i → %s', async (status, Class) => {
    nock(baseUrl)
      .get('/healthz')
      .reply(status, {
        error: { code: 'SOME_CODE', message: 'what went wrong', details: { a: 1 } },
      });
    const err = await new Hpcgate({ baseUrl, maxRetries: 0 }).health
      .check()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(Class);
    expect(err).toBeInstanceOf(APIError);
    expect(err).toMatchObject({
      status,
      code: 'SOME_CODE',
      message: 'what went wrong',
      details: { a: 1 },
    });
  });

  it('a body without the envelope still gives a status-derived code', async () => {
    nock(baseUrl).get('/healthz').reply(502, '<html>bad gateway</html>');
    const err = await new Hpcgate({ baseUrl, maxRetries: 0 }).health
      .check()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ServerError);
    expect(err).toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('a refused connection is a ConnectionError, not an axios error', async () => {
    nock.enableNetConnect('127.0.0.1');
    // Port 1 on loopback: nothing listens there.
    const err = await new Hpcgate({ baseUrl: 'http://127.0.0.1:1', maxRetries: 0 }).health
      .check()
      .catch((e: unknown) => e);
    nock.disableNetConnect();
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toMatch(/ECONNREFUSED/);
  });

  it('sends the token as a bearer header', async () => {
    nock(baseUrl, { reqheaders: { authorization: 'Bearer t0k3n' } })
      .get('/healthz')
      .reply(200, { status: 'ok', systems: {} });
    await expect(new Hpcgate({ baseUrl, token: 't0k3n' }).health.check()).resolves.toEqual({
      status: 'ok',
      systems: {},
    });
  });

  it('readiness treats 503 as an answer, not an error', async () => {
    nock(baseUrl)
      .get('/readyz')
      .reply(503, { status: 'not_ready', store: { ok: true, error: null }, systems: {} });
    await expect(new Hpcgate({ baseUrl }).health.ready()).resolves.toMatchObject({
      status: 'not_ready',
    });
  });
});
