import { describe, expect, it } from 'vitest';
import { ApiError, createClient, errorMessage, type FetchLike } from '../../src/api/client.js';

interface Call {
  url: string;
  init: RequestInit;
}

function fakeFetch(respond: (call: Call) => Response) {
  const calls: Call[] = [];
  const fetch: FetchLike = async (url, init) => {
    const call = { url, init };
    calls.push(call);
    return respond(call);
  };
  return { fetch, calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json' } });

const header = (call: Call | undefined, name: string) =>
  (call?.init.headers as Record<string, string> | undefined)?.[name];

function setup(respond: (call: Call) => Response = () => json(200, { ok: true })) {
  const f = fakeFetch(respond);
  let unauthorized = 0;
  const client = createClient({
    fetch: f.fetch,
    csrfToken: () => 'tok-123',
    onUnauthorized: () => {
      unauthorized++;
    },
  });
  return { client, calls: f.calls, unauthorized: () => unauthorized };
}

describe('the client', () => {
  it('sends the CSRF header on every unsafe method, never on GET', async () => {
    const { client, calls } = setup();
    await client.get('/v3/jobs/list');
    await client.post('/v3/jobs/stop', { whatIf: true });
    for (const method of ['PUT', 'PATCH', 'DELETE']) await client.request(method, '/x');
    expect(header(calls[0], 'x-csrf-token')).toBeUndefined();
    for (const call of calls.slice(1)) expect(header(call, 'x-csrf-token')).toBe('tok-123');
  });

  it('sends JSON with the cookie of this origin only', async () => {
    const { client, calls } = setup();
    await client.post('/v3/jobs/1/cancel', { mode: 'interrupt' });
    const call = calls[0];
    expect(call?.init.method).toBe('POST');
    expect(call?.init.credentials).toBe('same-origin');
    expect(header(call, 'content-type')).toBe('application/json');
    expect(call?.init.body).toBe('{"mode":"interrupt"}');
  });

  it('answers the parsed body', async () => {
    const { client } = setup(() => json(200, { jobs: [], nextCursor: null }));
    await expect(client.get('/v3/jobs/list')).resolves.toEqual({ jobs: [], nextCursor: null });
  });

  it('maps the error envelope to one ApiError', async () => {
    const { client } = setup(() =>
      json(409, {
        error: {
          code: 'JOB_NOT_CANCELLABLE',
          message: 'job x has already ended (CANCELLED)',
          details: { status: 'CANCELLED' },
        },
      }),
    );
    const err = await client.post('/v3/jobs/x/cancel', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApiError);
    expect(err).toMatchObject({
      status: 409,
      code: 'JOB_NOT_CANCELLABLE',
      message: 'job x has already ended (CANCELLED)',
      details: { status: 'CANCELLED' },
    });
    expect(errorMessage(err)).toBe('job x has already ended (CANCELLED)');
  });

  it('makes an ApiError of an answer without an envelope', async () => {
    const { client } = setup(() => new Response('<html>bad gateway</html>', { status: 502 }));
    await expect(client.get('/x')).rejects.toMatchObject({ status: 502, code: 'HTTP_502' });
  });

  it('tells of a 401 (signed out) and still throws', async () => {
    const t = setup(() => json(401, { error: { code: 'UNAUTHENTICATED', message: 'sign in' } }));
    await expect(t.client.get('/v3/jobs/list')).rejects.toMatchObject({ status: 401 });
    expect(t.unauthorized()).toBe(1);
  });

  it('turns a network failure into an ApiError', async () => {
    const client = createClient({
      fetch: () => Promise.reject(new TypeError('Failed to fetch')),
      csrfToken: () => null,
      onUnauthorized: () => {},
    });
    await expect(client.get('/x')).rejects.toMatchObject({ status: 0, code: 'NETWORK_ERROR' });
  });

  it('sends no CSRF header before the session is known', async () => {
    const f = fakeFetch(() => json(200, {}));
    const client = createClient({
      fetch: f.fetch,
      csrfToken: () => null,
      onUnauthorized: () => {},
    });
    await client.post('/auth/logout');
    expect(header(f.calls[0], 'x-csrf-token')).toBeUndefined();
  });
});
