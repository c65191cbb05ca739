import { afterEach, describe, expect, it } from 'vitest';
import { SseParser } from '../../src/core/sse.js';
import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  Hpcgate,
  InvalidResponseError,
  type JobStreamEvent,
  NotFoundError,
  RateLimitError,
} from '../../src/index.js';
import { aJob } from '../fixtures.js';
import {
  anEvent,
  jsonError,
  sseEnd,
  sseEvent,
  sseHead,
  startServer,
  type TestServer,
} from '../sse-server.js';

const jobId = aJob.id;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function collect(iterable: AsyncIterable<JobStreamEvent>): Promise<JobStreamEvent[]> {
  const out: JobStreamEvent[] = [];
  for await (const e of iterable) out.push(e);
  return out;
}

describe('SseParser', () => {
  it('splits events across chunks, CRLF/CR/LF, comments, multi-line data and retry', () => {
    const p = new SseParser();
    expect(p.feed(': heartbeat\r\nretry: 2000\r\n\r\nid: 1\r')).toEqual([]);
    expect(p.feed('\ndata: a\ndata: b\n\nid: 2\rdata: {"x":1}\r\r')).toEqual([
      { id: '1', event: 'message', data: 'a\nb' },
      { id: '2', event: 'message', data: '{"x":1}' },
    ]);
    expect(p.retryMs).toBe(2000);
    expect(p.feed('event: end\ndata:{}\n')).toEqual([]);
    expect(p.feed('\n')).toEqual([{ id: '2', event: 'end', data: '{}' }]);
  });
});

describe('client.jobs.events', () => {
  it('one job: typed events, resumed with Last-Event-ID after a drop, until `end`', async () => {
    server = await startServer((req, res, n) => {
      sseHead(res);
      if (n === 1) {
        sseEvent(res, 1, anEvent(jobId, 1, 'PENDING', 'JOB_CREATED'));
        sseEvent(res, 2, anEvent(jobId, 2, 'RUNNING'));
        // Cut mid-event: the half-written event 3 must not be delivered.
        res.write('id: 3\ndata: {"jobId"');
        setTimeout(() => res.destroy(), 20);
        return;
      }
      expect(req.headers['last-event-id']).toBe('2');
      sseEvent(res, 3, anEvent(jobId, 3, 'FINISHED'));
      sseEnd(res, { jobId, status: 'FINISHED' });
    });
    const client = new Hpcgate({ baseUrl: server.url, token: 't0k' });
    const stream = client.jobs.events({ jobId });
    const events = await collect(stream);
    expect(events.map((e) => [e.seq, e.status])).toEqual([
      [1, 'PENDING'],
      [2, 'RUNNING'],
      [3, 'FINISHED'],
    ]);
    expect(stream.end).toEqual({ jobId, status: 'FINISHED' });
    expect(stream.lastEventId).toBe('3');
    expect(server.requests.map((r) => r.url)).toEqual([
      `/v3/jobs/${jobId}/events`,
      `/v3/jobs/${jobId}/events`,
    ]);
    expect(server.requests.map((r) => r.headers.authorization)).toEqual([
      'Bearer t0k',
      'Bearer t0k',
    ]);
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
    expect(server.requests[0]?.headers['last-event-id']).toBeUndefined();
    expect(server.requests[1]?.headers['last-event-id']).toBe('2');
  });

  it('a clean close without `end` is resumed too; waits the server’s retry', async () => {
    const opened: number[] = [];
    server = await startServer((req, res, n) => {
      opened.push(Date.now());
      sseHead(res, 150);
      if (n === 1) {
        sseEvent(res, 5, anEvent(jobId, 5, 'RUNNING'));
        res.end();
        return;
      }
      expect(req.headers['last-event-id']).toBe('5');
      sseEnd(res, { jobId, status: 'CANCELLED' });
    });
    const stream = new Hpcgate({ baseUrl: server.url }).jobs.events({ jobId });
    expect((await collect(stream)).map((e) => e.seq)).toEqual([5]);
    expect(stream.end?.status).toBe('CANCELLED');
    expect(opened[1]! - opened[0]!).toBeGreaterThanOrEqual(140);
  });

  it('lastEventId resumes a stream; the all-jobs stream sends the filters', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      sseEvent(res, 41, anEvent(jobId, 2, 'FAILED'));
    });
    const client = new Hpcgate({ baseUrl: server.url });
    const controller = new AbortController();
    const seen: JobStreamEvent[] = [];
    const stream = client.jobs.events(
      { status: ['FAILED', 'CANCELLED'], name: 'sweep-*', tags: ['a', 'b'] },
      { lastEventId: '40', signal: controller.signal },
    );
    for await (const e of stream) {
      seen.push(e);
      break;
    }
    expect(seen.map((e) => e.status)).toEqual(['FAILED']);
    expect(stream.lastEventId).toBe('41');
    const url = new URL(server.requests[0]!.url!, server.url);
    expect(url.pathname).toBe('/v3/jobs/events');
    expect(Object.fromEntries(url.searchParams)).toEqual({
      status: 'FAILED,CANCELLED',
      name: 'sweep-*',
      tags: 'a,b',
    });
    expect(server.requests[0]?.headers['last-event-id']).toBe('40');
  });

  it('an abort ends the iteration with AbortError', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      sseEvent(res, 1, anEvent(jobId, 1, 'RUNNING'));
    });
    const controller = new AbortController();
    const stream = new Hpcgate({ baseUrl: server.url }).jobs.events(
      { jobId },
      { signal: controller.signal },
    );
    const seen: number[] = [];
    await expect(
      (async () => {
        for await (const e of stream) {
          seen.push(e.seq);
          controller.abort();
        }
      })(),
    ).rejects.toBeInstanceOf(AbortError);
    expect(seen).toEqual([1]);
  });

  it('HTTP errors come from the one error builder: 404 NotFoundError, 401, 429 retried', async () => {
    server = await startServer((req, res, n) => {
      if (req.url?.includes('/v3/jobs/00000000')) {
        return jsonError(res, 404, 'JOB_NOT_FOUND', 'no such job');
      }
      if (req.headers.authorization !== 'Bearer good') {
        return jsonError(res, 401, 'UNAUTHENTICATED', 'bad token');
      }
      if (n === 3) {
        res.setHeader('retry-after', '0');
        return jsonError(res, 429, 'TOO_MANY_STREAMS', 'too many');
      }
      sseHead(res);
      sseEnd(res, { jobId, status: 'FINISHED' });
    });
    const good = new Hpcgate({ baseUrl: server.url, token: 'good' });
    const missing = good.jobs.events({ jobId: '00000000-0000-4000-8000-000000000000' });
    const err = await collect(missing).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(NotFoundError);
    expect((err as NotFoundError).code).toBe('JOB_NOT_FOUND');

    const bad = new Hpcgate({ baseUrl: server.url, token: 'bad' });
    await expect(collect(bad.jobs.events({ jobId }))).rejects.toBeInstanceOf(AuthenticationError);

    // Request 3 is a 429 (retried by the core after Retry-After), then the stream.
    const stream = good.jobs.events({ jobId });
    await collect(stream);
    expect(stream.end?.status).toBe('FINISHED');
    expect(server.requests).toHaveLength(4);

    const noRetry = new Hpcgate({ baseUrl: server.url, token: 'good', maxRetries: 0 });
    server.requests.length = 2; // the next request is number 3 again: a 429
    await expect(collect(noRetry.jobs.events({ jobId }))).rejects.toBeInstanceOf(RateLimitError);
  });

  it('a token provider is asked again after a 401, as for every call', async () => {
    server = await startServer((req, res) => {
      if (req.headers.authorization !== 'Bearer fresh') {
        return jsonError(res, 401, 'UNAUTHENTICATED', 'expired');
      }
      sseHead(res);
      sseEnd(res, { jobId, status: 'FINISHED' });
    });
    const asked: (string | undefined)[] = [];
    const client = new Hpcgate({
      baseUrl: server.url,
      tokenProvider: async (ctx) => {
        asked.push(ctx?.rejected);
        return ctx?.rejected ? 'fresh' : 'stale';
      },
    });
    const stream = client.jobs.events({ jobId });
    await collect(stream);
    expect(stream.end?.status).toBe('FINISHED');
    expect(asked).toEqual([undefined, 'stale']);
  });

  it('a gateway that stays away after a drop: ConnectionError after maxReconnects', async () => {
    const s = await startServer((_req, res) => {
      sseHead(res);
      sseEvent(res, 1, anEvent(jobId, 1, 'RUNNING'));
      setTimeout(() => void s.close(), 10);
    });
    const stream = new Hpcgate({ baseUrl: s.url, maxRetries: 0 }).jobs.events(
      { jobId },
      { maxReconnects: 2 },
    );
    const seen: number[] = [];
    const err = await (async () => {
      for await (const e of stream) seen.push(e.seq);
    })().catch((e: unknown) => e);
    expect(seen).toEqual([1]);
    expect(err).toBeInstanceOf(ConnectionError);
  });

  it('an event that does not match the contract is an InvalidResponseError', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      sseEvent(res, 1, { jobId, seq: 'one' });
    });
    const stream = new Hpcgate({ baseUrl: server.url }).jobs.events({ jobId });
    await expect(collect(stream)).rejects.toBeInstanceOf(InvalidResponseError);
  });
});
