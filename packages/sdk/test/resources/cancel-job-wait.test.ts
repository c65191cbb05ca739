import type { IncomingMessage, ServerResponse } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { ConflictError, Hpcgate, type Job } from '../../src/index.js';
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
const cancelled: Job = { ...aJob, status: 'CANCELLED', condition: 'CANCELLED_BY_USER' };
let server: TestServer | undefined;
afterEach(async () => {
  await server?.close();
  server = undefined;
});

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : undefined;
}

const paths = () => server!.requests.map((r) => `${r.method} ${r.url}`);

/** Resolves once `check` holds, looking again every few milliseconds. */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setTimeout(r, 5));
}

describe('cancelJob with wait, on the event stream', () => {
  it('listens first, cancels without a gateway wait, returns the job the end event announced', async () => {
    const bodies: unknown[] = [];
    let events: ServerResponse | undefined;
    let ended = false;
    let listening = false;
    const listeningWhenCancelled: boolean[] = [];
    server = await startServer(async (req, res) => {
      if (req.url?.endsWith('/events')) {
        // The stream's answer is slow to come: the cancel must wait for it.
        setTimeout(() => {
          sseHead(res);
          listening = true;
          sseEvent(res, 1, anEvent(jobId, 1, 'RUNNING'));
          events = res;
        }, 30);
        return;
      }
      if (req.method === 'POST') {
        listeningWhenCancelled.push(listening);
        bodies.push(await bodyOf(req));
        json(res, 202, aJob);
        // The stop takes effect a moment after the answer, as Slurm's does.
        setTimeout(() => {
          ended = true;
          sseEvent(events!, 2, anEvent(jobId, 2, 'CANCELLED'));
          sseEnd(events!, { jobId, status: 'CANCELLED' });
        }, 20);
        return;
      }
      json(res, 200, ended ? cancelled : aJob);
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({
      jobId,
      mode: 'interrupt',
      wait: 60,
    });
    expect(job).toEqual(cancelled);
    expect(paths()).toEqual([
      `GET /v3/jobs/${jobId}/events`,
      `POST /v3/jobs/${jobId}/cancel`,
      `GET /v3/jobs/${jobId}`,
    ]);
    expect(bodies).toEqual([{ mode: 'interrupt' }]);
    expect(listeningWhenCancelled).toEqual([true]);
  });

  it('a cancel answered with the ended job returns it, and hangs up the stream', async () => {
    let streamClosed = false;
    server = await startServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        res.on('close', () => {
          streamClosed = true;
        });
        return sseHead(res);
      }
      json(res, 200, cancelled);
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({ jobId, wait: 30 });
    expect(job.status).toBe('CANCELLED');
    await until(() => streamClosed);
    expect(paths()).toEqual([`GET /v3/jobs/${jobId}/events`, `POST /v3/jobs/${jobId}/cancel`]);
  });

  it('a job that had already ended: ConflictError from the cancel, even though the stream says ended', async () => {
    server = await startServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        sseHead(res);
        sseEvent(res, 3, anEvent(jobId, 3, 'FINISHED'));
        return sseEnd(res, { jobId, status: 'FINISHED' });
      }
      if (req.method === 'POST') {
        return json(res, 409, {
          error: {
            code: 'JOB_NOT_CANCELLABLE',
            message: 'job is FINISHED',
            details: { jobId, status: 'FINISHED' },
          },
        });
      }
      json(res, 200, { ...aJob, status: 'FINISHED' });
    });
    const err = await new Hpcgate({ baseUrl: server.url }).jobs
      .cancelJob({ jobId, wait: 30 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConflictError);
    expect((err as ConflictError).job.status).toBe('FINISHED');
  });

  it('the wait running out returns the job as it is then, still running', async () => {
    server = await startServer((req, res) => {
      if (req.url?.endsWith('/events')) {
        sseHead(res);
        return sseEvent(res, 1, anEvent(jobId, 1, 'RUNNING'));
      }
      json(res, req.method === 'POST' ? 202 : 200, aJob);
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({ jobId, wait: 0.2 });
    expect(job.status).toBe('RUNNING');
    // The last read is the job as it is once the wait is over.
    expect(paths().at(-1)).toBe(`GET /v3/jobs/${jobId}`);
  });

  it('no stream here (404 ROUTE_NOT_FOUND): the gateway holds the answer instead', async () => {
    const bodies: { wait?: number }[] = [];
    server = await startServer(async (req, res) => {
      if (req.url?.endsWith('/events')) return jsonError(res, 404, 'ROUTE_NOT_FOUND', 'no route');
      bodies.push((await bodyOf(req)) as { wait?: number });
      json(res, 200, cancelled);
    });
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({ jobId, wait: 30 });
    expect(job.status).toBe('CANCELLED');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]?.wait).toBeGreaterThan(0);
    expect(bodies[0]?.wait).toBeLessThanOrEqual(30);
  });

  it('a wait longer than the gateway holds: it holds 300 s at most, then the rest is polled', async () => {
    const bodies: { wait?: number }[] = [];
    let reads = 0;
    server = await startServer(async (req, res) => {
      if (req.url?.endsWith('/events')) return jsonError(res, 503, 'SCHEDULER_UNAVAILABLE', 'no');
      if (req.method === 'POST') {
        bodies.push((await bodyOf(req)) as { wait?: number });
        return json(res, 202, aJob);
      }
      json(res, 200, ++reads >= 2 ? cancelled : aJob);
    });
    const job = await new Hpcgate({ baseUrl: server.url, maxRetries: 0 }).jobs.cancelJob({
      jobId,
      wait: Number.POSITIVE_INFINITY,
    });
    expect(job.status).toBe('CANCELLED');
    expect(bodies).toEqual([{ wait: 300 }]);
    expect(reads).toBe(2);
  });
});
