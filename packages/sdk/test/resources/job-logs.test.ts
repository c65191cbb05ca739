import { afterEach, describe, expect, it } from 'vitest';
import { AbortError, Hpcgate, type LogItem, NotFoundError } from '../../src/index.js';
import { aJob } from '../fixtures.js';
import { jsonError, sseHead, sseNamed, startServer, type TestServer } from '../sse-server.js';

const jobId = aJob.id;
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

/** A `log` event as the gateway sends it: its SSE id is the offset after it. */
function log(res: Parameters<typeof sseNamed>[0], offset: number, text: string): void {
  const next = offset + Buffer.byteLength(text, 'utf8');
  sseNamed(res, 'log', { offset, text, next }, next);
}

async function collect(iterable: AsyncIterable<LogItem>): Promise<LogItem[]> {
  const out: LogItem[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

const lines = (items: LogItem[]) =>
  items.map((i) => (i.kind === 'line' ? [i.offset, i.line, i.partial] : [i.kind, i.from, i.to]));

describe('client.jobs.followLogs', () => {
  it('one item per line with byte offsets, resumed after a drop without repeating a line', async () => {
    server = await startServer((_req, res, n) => {
      sseHead(res);
      if (n === 1) {
        // One chunk holding three lines, with two- and three-byte characters.
        log(res, 0, 'héllo wörld\n日本語\nplain\n');
        res.write(': heartbeat\n\n');
        setImmediate(() => res.destroy());
        return;
      }
      // The resume starts before what was received: "plain" comes again and must not be repeated.
      log(res, 24, 'plain\nemoji 🎉 done\n');
      log(res, 46, 'no newline');
      res.end(
        `event: end\ndata: ${JSON.stringify({ jobId, status: 'FINISHED', offset: 56, source: 'collected' })}\n\n`,
      );
    });
    const client = new Hpcgate({ baseUrl: server.url, token: 't0k' });
    const stream = client.jobs.followLogs({ jobId });
    const items = await collect(stream);
    expect(lines(items)).toEqual([
      [0, 'héllo wörld', false],
      [14, '日本語', false],
      [24, 'plain', false],
      [30, 'emoji 🎉 done', false],
      [46, 'no newline', true],
    ]);
    expect(items.every((i) => i.stream === 'stdout')).toBe(true);
    expect(stream.end).toEqual({ jobId, status: 'FINISHED', offset: 56, source: 'collected' });
    expect(stream.offset).toBe(56);
    const [first, second] = server.requests;
    expect(new URL(first!.url!, server.url).searchParams.get('follow')).toBe('true');
    expect(first?.headers['last-event-id']).toBeUndefined();
    expect(second?.headers['last-event-id']).toBe('30');
    expect(second?.headers.authorization).toBe('Bearer t0k');
  });

  it('a skipped range is an item in its place, and moves where a resume starts', async () => {
    server = await startServer((req, res, n) => {
      sseHead(res);
      if (n === 1) {
        log(res, 0, 'first\n');
        // The gateway names no SSE id here: the resume point comes from the data.
        sseNamed(res, 'skipped', { from: 6, to: 1000, reason: 'catch-up over 1 MiB' });
        setImmediate(() => res.destroy());
        return;
      }
      expect(req.headers['last-event-id']).toBe('1000');
      log(res, 1000, 'later\n');
      res.end(
        `event: end\ndata: ${JSON.stringify({ jobId, status: 'RUNNING', offset: 1006, source: 'cluster' })}\n\n`,
      );
    });
    const stream = new Hpcgate({ baseUrl: server.url }).jobs.followLogs({ jobId, follow: false });
    const items = await collect(stream);
    expect(lines(items)).toEqual([
      [0, 'first', false],
      ['skipped', 6, 1000],
      [1000, 'later', false],
    ]);
    expect(items[1]).toMatchObject({ kind: 'skipped', reason: 'catch-up over 1 MiB' });
    expect(server.requests.map((r) => r.headers['last-event-id'])).toEqual([undefined, '1000']);
  });

  it('sends the stream, follow and offset it is given', async () => {
    server = await startServer((_req, res) => {
      sseHead(res);
      log(res, 6, 'err line\n');
      res.end(
        `event: end\ndata: ${JSON.stringify({ jobId, status: 'FAILED', offset: 15, source: 'cluster' })}\n\n`,
      );
    });
    const stream = new Hpcgate({ baseUrl: server.url }).jobs.followLogs({
      jobId,
      stream: 'stderr',
      follow: false,
      offset: 6,
    });
    const items = await collect(stream);
    expect(items).toEqual([
      { kind: 'line', stream: 'stderr', line: 'err line', offset: 6, partial: false },
    ]);
    const url = new URL(server.requests[0]!.url!, server.url);
    expect(url.pathname).toBe(`/v3/jobs/${jobId}/logs`);
    expect(Object.fromEntries(url.searchParams)).toEqual({
      stream: 'stderr',
      follow: 'false',
      offset: '6',
    });
    expect(server.requests[0]?.headers.accept).toBe('text/event-stream');
  });

  it('an unknown job is NotFoundError; an abort ends the iteration with AbortError', async () => {
    server = await startServer((req, res) => {
      if (req.url?.startsWith('/v3/jobs/00000000')) {
        return jsonError(res, 404, 'JOB_NOT_FOUND', 'no such job');
      }
      sseHead(res);
      log(res, 0, 'one\ntwo\n');
    });
    const jobs = new Hpcgate({ baseUrl: server.url }).jobs;
    const missing = jobs.followLogs({ jobId: '00000000-0000-4000-8000-000000000000' });
    await expect(collect(missing)).rejects.toBeInstanceOf(NotFoundError);
    const controller = new AbortController();
    const seen: string[] = [];
    const err = await (async () => {
      for await (const item of jobs.followLogs({ jobId, signal: controller.signal })) {
        if (item.kind === 'line') seen.push(item.line);
        if (seen.length === 2) controller.abort();
      }
    })().catch((e: unknown) => e);
    expect(seen).toEqual(['one', 'two']);
    expect(err).toBeInstanceOf(AbortError);
  });
});
