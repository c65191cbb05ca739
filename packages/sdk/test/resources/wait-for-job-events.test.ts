import type { ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { Hpcgate, type Job, NotFoundError, TimeoutError } from '../../src/index.js';
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
const finished: Job = { ...aJob, status: 'FINISHED', condition: 'NORMAL_COMPLETION', exitCode: 0 };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function json(res: ServerResponse, body: unknown): void {
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

const paths = () => server!.requests.map((r) => `${r.method} ${r.url}`);

describe('waitForJob on the event stream', () => {
  it('follows the stream instead of polling: one read at the start, one at the end', async () => {
    let ended = false;
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, ended ? finished : aJob);
      sseHead(res);
      sseEvent(res, 1, anEvent(jobId, 1, 'PENDING', 'JOB_CREATED'));
      sseEvent(res, 2, anEvent(jobId, 2, 'RUNNING'));
      setTimeout(() => {
        ended = true;
        sseEvent(res, 3, anEvent(jobId, 3, 'FINISHED'));
        sseEnd(res, { jobId, status: 'FINISHED' });
      }, 50);
    });
    const seen: string[] = [];
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.waitForJob({
      jobId,
      onPoll: (j) => seen.push(j.status),
    });
    expect(job).toEqual(finished);
    expect(seen).toEqual(['RUNNING', 'FINISHED']);
    expect(paths()).toEqual([
      `GET /v3/jobs/${jobId}`,
      `GET /v3/jobs/${jobId}/events`,
      `GET /v3/jobs/${jobId}`,
    ]);
  });

  it('`until` is met by the event: --until RUNNING returns the running job', async () => {
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) {
        const n = server!.requests.length;
        return json(res, n === 1 ? { ...aJob, status: 'PENDING' } : aJob);
      }
      sseHead(res);
      sseEvent(res, 1, anEvent(jobId, 1, 'PENDING', 'JOB_CREATED'));
      setTimeout(() => sseEvent(res, 2, anEvent(jobId, 2, 'RUNNING')), 30);
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.waitForJob({
      jobId,
      until: ['RUNNING'],
    });
    expect(job.status).toBe('RUNNING');
  });

  it('polls as before where the gateway has no stream (404 ROUTE_NOT_FOUND)', async () => {
    let reads = 0;
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, ++reads >= 2 ? finished : aJob);
      jsonError(res, 404, 'ROUTE_NOT_FOUND', 'no such route');
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.waitForJob({ jobId });
    expect(job.status).toBe('FINISHED');
    expect(paths()).toEqual([
      `GET /v3/jobs/${jobId}`,
      `GET /v3/jobs/${jobId}/events`,
      `GET /v3/jobs/${jobId}`,
    ]);
  });

  it('polls at once when the caller has too many streams open (429 TOO_MANY_STREAMS)', async () => {
    let reads = 0;
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, ++reads >= 2 ? finished : aJob);
      res.setHeader('retry-after', '5');
      jsonError(res, 429, 'TOO_MANY_STREAMS', 'too many open streams');
    });
    const started = Date.now();
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.waitForJob({ jobId });
    expect(job.status).toBe('FINISHED');
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(paths().filter((p) => p.endsWith('/events'))).toHaveLength(1);
  });

  it('polls when the stream cannot be opened (connection reset), without retrying it', async () => {
    let reads = 0;
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, ++reads >= 2 ? finished : aJob);
      res.socket?.destroy();
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.waitForJob({ jobId });
    expect(job.status).toBe('FINISHED');
    expect(paths().filter((p) => p.endsWith('/events'))).toHaveLength(1);
  });

  it('an unknown job is NotFoundError; via: "events" does not fall back', async () => {
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, aJob);
      if (req.url?.endsWith('/events')) return jsonError(res, 404, 'ROUTE_NOT_FOUND', 'no route');
      jsonError(res, 404, 'JOB_NOT_FOUND', 'no such job');
    });
    const client = new Hpcgate({ baseUrl: server.url });
    await expect(
      client.jobs.waitForJob({ jobId: '00000000-0000-4000-8000-000000000000' }),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(client.jobs.waitForJob({ jobId, via: 'events' })).rejects.toMatchObject({
      name: 'NotFoundError',
      code: 'ROUTE_NOT_FOUND',
    });
    const before = server.requests.length;
    const job = await client.jobs.waitForJob({ jobId, via: 'poll', until: ['RUNNING'] });
    expect(job.status).toBe('RUNNING');
    expect(paths().slice(before)).toEqual([`GET /v3/jobs/${jobId}`]);
  });

  it('gives up with a TimeoutError while the stream is quiet', async () => {
    server = await startServer((req, res) => {
      if (req.url === `/v3/jobs/${jobId}`) return json(res, aJob);
      sseHead(res);
      sseEvent(res, 2, anEvent(jobId, 2, 'RUNNING'));
    });
    const started = Date.now();
    const err = await new Hpcgate({ baseUrl: server.url }).jobs
      .waitForJob({ jobId, timeoutMs: 150 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(TimeoutError);
    expect((err as Error).message).toBe(`job ${jobId} is still RUNNING after 150 ms`);
    expect(Date.now() - started).toBeLessThan(2_000);
  });
});
