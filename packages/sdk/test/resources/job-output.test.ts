import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import nock from 'nock';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  AbortError,
  APIError,
  BadRequestError,
  ConflictError,
  ConnectionError,
  Hpcgate,
  NotFoundError,
  type OutputList,
  TimeoutError,
} from '../../src/index.js';
import { aJob } from '../fixtures.js';
import { jsonError, startServer, type TestServer } from '../sse-server.js';

const baseUrl = 'http://gateway.test';
const jobId = aJob.id;
const route = `/v3/jobs/${jobId}/output`;
/** Every byte value, twice: what a text decoding anywhere on the way would mangle. */
const binary = Buffer.from([...Array(512).keys()].map((i) => i % 256));

beforeAll(() => {
  // nock is the gateway, except for the real small server where a body must be cut or held.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});
afterEach(() => nock.cleanAll());

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hpcgate-output-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

async function bytesOf(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of stream) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

const entry = (name: string, type: 'file' | 'dir' = 'file', path = name) => ({
  name,
  path,
  type,
  size: type === 'dir' ? 0 : 12,
  modified: '2026-11-23T10:00:00.000Z',
});

function page(path: string, names: string[], nextSkip: number | null): OutputList {
  return {
    jobId,
    path,
    entries: names.map((n) => entry(n, 'file', path ? `${path}/${n}` : n)),
    nextSkip,
  };
}

describe('jobs.listOutput', () => {
  it('lists the job directory, or a directory in it with each segment encoded', async () => {
    nock(baseUrl)
      .get(`${route}/list`)
      .reply(200, page('', ['stdout', 'stderr'], null))
      .get(`${route}/list/results/run%201/a%23b`)
      .query({ limit: '2', skip: '4' })
      .reply(200, page('results/run 1/a#b', ['x.csv'], 6));
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const root = await jobs.listOutput({ jobId });
    expect(root.entries.map((e) => e.name)).toEqual(['stdout', 'stderr']);
    const sub = await jobs.listOutput({ jobId, path: 'results/run 1/a#b', limit: 2, skip: 4 });
    expect(sub.entries[0]?.path).toBe('results/run 1/a#b/x.csv');
    expect(sub.nextSkip).toBe(6);
  });

  it('listAllOutput walks the pages with nextSkip', async () => {
    nock(baseUrl)
      .get(`${route}/list/out`)
      .query({ limit: '2' })
      .reply(200, page('out', ['a', 'b'], 2))
      .get(`${route}/list/out`)
      .query({ limit: '2', skip: '2' })
      .reply(200, page('out', ['c'], null));
    const names: string[] = [];
    for await (const e of new Hpcgate({ baseUrl }).jobs.listAllOutput({
      jobId,
      path: 'out',
      limit: 2,
    })) {
      names.push(e.name);
    }
    expect(names).toEqual(['a', 'b', 'c']);
  });

  it('errors are typed by status: 404 OUTPUT_NOT_FOUND, 400 INVALID_OUTPUT_PATH', async () => {
    nock(baseUrl)
      .get(`${route}/list/gone`)
      .reply(404, { error: { code: 'OUTPUT_NOT_FOUND', message: 'no such directory' } })
      .get(`${route}/list/link`)
      .reply(400, {
        error: {
          code: 'INVALID_OUTPUT_PATH',
          message: 'leads outside',
          details: { field: 'params.path' },
        },
      });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const missing = await jobs.listOutput({ jobId, path: 'gone' }).catch((e: unknown) => e);
    expect(missing).toBeInstanceOf(NotFoundError);
    expect((missing as NotFoundError).code).toBe('OUTPUT_NOT_FOUND');
    const bad = await jobs.listOutput({ jobId, path: 'link' }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(BadRequestError);
    expect((bad as BadRequestError).field).toBe('params.path');
  });

  it('a "." or ".." segment is refused before sending: a URL would resolve it away', async () => {
    // No interceptor: a request would fail with a ConnectionError instead.
    const jobs = new Hpcgate({ baseUrl }).jobs;
    for (const path of ['../other-job', 'a/./b', '/etc']) {
      const err = await jobs.listOutput({ jobId, path }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(BadRequestError);
      expect((err as BadRequestError).code).toBe('INVALID_OUTPUT_PATH');
    }
  });
});

describe('jobs.downloadOutput', () => {
  it('streams the whole file, byte for byte, with its size', async () => {
    nock(baseUrl)
      .get(`${route}/download/bin/data.raw`)
      .query({ allowIfRunning: 'false' })
      .matchHeader('accept', /application\/octet-stream/)
      .reply(200, binary, {
        'content-type': 'application/octet-stream',
        'content-length': String(binary.length),
        'accept-ranges': 'bytes',
      });
    const dl = await new Hpcgate({ baseUrl }).jobs.downloadOutput({
      jobId,
      path: 'bin/data.raw',
      allowIfRunning: false,
    });
    expect(dl.status).toBe(200);
    expect(dl.size).toBe(512);
    expect(dl.contentRange).toBeNull();
    expect((await bytesOf(dl.stream)).equals(binary)).toBe(true);
  });

  it('a range is sent as Range and answered 206 with its Content-Range', async () => {
    nock(baseUrl)
      .get(`${route}/download/stdout`)
      .matchHeader('range', 'bytes=10-19')
      .reply(206, binary.subarray(10, 20), {
        'content-range': 'bytes 10-19/512',
        'content-length': '10',
      })
      .get(`${route}/download/stdout`)
      .matchHeader('range', 'bytes=500-')
      .reply(206, binary.subarray(500), { 'content-range': 'bytes 500-511/*' });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const part = await jobs.downloadOutput({
      jobId,
      path: 'stdout',
      range: { start: 10, end: 19 },
    });
    expect(part.status).toBe(206);
    expect(part.contentRange).toEqual({ start: 10, end: 19, total: 512 });
    expect((await bytesOf(part.stream)).equals(binary.subarray(10, 20))).toBe(true);
    const tail = await jobs.downloadOutput({ jobId, path: 'stdout', range: { start: 500 } });
    expect(tail.contentRange).toEqual({ start: 500, end: 511, total: null });
    expect((await bytesOf(tail.stream)).length).toBe(12);
  });

  it('413, 416 and 409 come in the envelope, as APIError and ConflictError', async () => {
    nock(baseUrl)
      .get(`${route}/download/big`)
      .reply(413, { error: { code: 'OUTPUT_TOO_LARGE', message: 'over 64 MiB: use Range' } })
      .get(`${route}/download/small`)
      .reply(416, { error: { code: 'RANGE_NOT_SATISFIABLE', message: 'the file has 12 bytes' } })
      .get(`${route}/download/stdout`)
      .query({ allowIfRunning: 'false' })
      .reply(409, { error: { code: 'JOB_NOT_FINISHED', message: 'job is RUNNING' } });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const big = await jobs.downloadOutput({ jobId, path: 'big' }).catch((e: unknown) => e);
    expect(big).toBeInstanceOf(APIError);
    expect(big).toMatchObject({ status: 413, code: 'OUTPUT_TOO_LARGE' });
    expect((big as Error).message).toMatch(/Range/);
    const unsatisfiable = await jobs
      .downloadOutput({ jobId, path: 'small', range: { start: 100 } })
      .catch((e: unknown) => e);
    expect(unsatisfiable).toMatchObject({ status: 416, code: 'RANGE_NOT_SATISFIABLE' });
    const running = await jobs
      .downloadOutput({ jobId, path: 'stdout', allowIfRunning: false })
      .catch((e: unknown) => e);
    expect(running).toBeInstanceOf(ConflictError);
    expect((running as ConflictError).code).toBe('JOB_NOT_FINISHED');
  });

  it('a 503 before the first byte is retried; a range that ends before it starts is refused', async () => {
    nock(baseUrl)
      .get(`${route}/download/stdout`)
      .reply(
        503,
        { error: { code: 'SCHEDULER_UNAVAILABLE', message: 'later' } },
        { 'retry-after': '0' },
      )
      .get(`${route}/download/stdout`)
      .reply(200, 'hello\n', { 'content-length': '6' });
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const dl = await jobs.downloadOutput({ jobId, path: 'stdout' });
    expect((await bytesOf(dl.stream)).toString()).toBe('hello\n');
    const err = await jobs
      .downloadOutput({ jobId, path: 'stdout', range: { start: 9, end: 3 } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).field).toBe('range');
  });

  it('streams as the bytes arrive: the first part is readable before the rest is sent', async () => {
    let sendRest: () => void = () => {};
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': '8' });
      res.write('part1\n');
      sendRest = () => res.end('2\n');
    });
    const dl = await new Hpcgate({ baseUrl: server.url }).jobs.downloadOutput({ jobId, path: 'x' });
    const it = dl.stream[Symbol.asyncIterator]();
    const first = await it.next();
    expect(String(first.value)).toBe('part1\n');
    sendRest();
    expect(String((await it.next()).value)).toBe('2\n');
    expect((await it.next()).done).toBe(true);
  });

  it('a body cut before its Content-Length fails the stream with a ConnectionError', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('only a little');
      setImmediate(() => res.destroy());
    });
    const dl = await new Hpcgate({ baseUrl: server.url }).jobs.downloadOutput({ jobId, path: 'x' });
    await expect(bytesOf(dl.stream)).rejects.toBeInstanceOf(ConnectionError);
  });

  it('a gateway that goes silent mid-body fails the stream with a TimeoutError', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '1000' });
      res.write('and then nothing');
    });
    const client = new Hpcgate({ baseUrl: server.url, timeoutMs: 200 });
    const dl = await client.jobs.downloadOutput({ jobId, path: 'x' });
    await expect(bytesOf(dl.stream)).rejects.toBeInstanceOf(TimeoutError);
  });
});

describe('jobs.downloadOutputToFile', () => {
  it('writes the file, reporting progress up to the total', async () => {
    nock(baseUrl)
      .get(`${route}/download/bin/data.raw`)
      .reply(200, binary, { 'content-length': String(binary.length) });
    const file = join(dir, 'data.raw');
    const progress: [number, number | null][] = [];
    const done = await new Hpcgate({ baseUrl }).jobs.downloadOutputToFile({
      jobId,
      path: 'bin/data.raw',
      file,
      onProgress: (received, total) => progress.push([received, total]),
    });
    expect(done).toMatchObject({ file, bytes: 512, status: 200 });
    expect((await readFile(file)).equals(binary)).toBe(true);
    expect(progress[0]).toEqual([0, 512]);
    expect(progress.at(-1)).toEqual([512, 512]);
    const received = progress.map(([r]) => r);
    expect(received).toEqual([...received].sort((a, b) => a - b));
    expect(await readdir(dir)).toEqual(['data.raw']);
  });

  it('a cut download leaves no partial file, and an existing file untouched', async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(50_000, 1));
      setImmediate(() => res.destroy());
    });
    const file = join(dir, 'result.bin');
    await writeFile(file, 'the previous version');
    const err = await new Hpcgate({ baseUrl: server.url }).jobs
      .downloadOutputToFile({ jobId, path: 'result.bin', file })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect(await readdir(dir)).toEqual(['result.bin']);
    expect(await readFile(file, 'utf8')).toBe('the previous version');
  });

  it('an error answer or an abort creates no file at all', async () => {
    let received = 0;
    server = await startServer((req, res) => {
      if (req.url?.includes('missing'))
        return jsonError(res, 404, 'OUTPUT_NOT_FOUND', 'no such file');
      res.writeHead(200, { 'content-length': '100000' });
      res.write(Buffer.alloc(10_000));
    });
    const jobs = new Hpcgate({ baseUrl: server.url }).jobs;
    const file = join(dir, 'out.txt');
    await expect(
      jobs.downloadOutputToFile({ jobId, path: 'missing', file }),
    ).rejects.toBeInstanceOf(NotFoundError);
    const controller = new AbortController();
    const aborted = await jobs
      .downloadOutputToFile({
        jobId,
        path: 'slow',
        file,
        signal: controller.signal,
        onProgress: (n) => {
          received = n;
          if (n > 0) controller.abort();
        },
      })
      .catch((e: unknown) => e);
    expect(received).toBeGreaterThan(0);
    expect(aborted).toBeInstanceOf(AbortError);
    expect(await readdir(dir)).toEqual([]);
  });
});
