import type { IncomingMessage, ServerResponse } from 'node:http';
import nock from 'nock';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { BadRequestError, Hpcgate, type Job } from '../../src/index.js';
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

const baseUrl = 'http://gateway.test';
const jobId = aJob.id;
const cancelRoute = `/v3/jobs/${jobId}/cancel`;
beforeAll(() => {
  // nock answers gateway.test; the stream tests' small real server listens on loopback.
  nock.disableNetConnect();
  nock.enableNetConnect('127.0.0.1');
});

let server: TestServer | undefined;
afterEach(async () => {
  nock.cleanAll();
  await server?.close();
  server = undefined;
});

/** The job as the gateway answers an interrupt that escalates to force-stop in 30 s. */
const interrupted: Job = {
  ...aJob,
  stopRequest: {
    mode: 'interrupt',
    requestedBy: 'alice',
    requestedAt: '2026-11-23T10:00:00.000Z',
    signalledAt: '2026-11-23T10:00:00.000Z',
    outcome: 'SIGNALLED',
    message: null,
    escalation: {
      steps: [{ afterSeconds: 30, to: 'force-stop' }],
      dueAt: '2026-11-23T10:00:30.000Z',
    },
  },
};

const forceStopped: Job = {
  ...interrupted,
  status: 'CANCELLED',
  condition: 'FORCE_STOPPED_BY_USER',
  stopRequest: {
    ...interrupted.stopRequest!,
    mode: 'force-stop',
    outcome: 'CONFIRMED',
    escalation: null,
  },
};

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

async function bodyOf(req: IncomingMessage): Promise<unknown> {
  let text = '';
  for await (const chunk of req) text += String(chunk);
  return text ? JSON.parse(text) : undefined;
}

describe('cancelJob: drain and escalation', () => {
  it('a drain is sent as its mode; the job stays RUNNING, DRAINING, with its task counts', async () => {
    const draining: Job = {
      ...aJob,
      array: { indices: '1-43' },
      tasks: {
        total: 43,
        counts: { PENDING: 0, RUNNING: 3, SUCCEEDED: 0, FAILED: 0, CANCELED: 0, SKIPPED: 40 },
      },
      stopRequest: {
        ...interrupted.stopRequest!,
        mode: 'drain',
        outcome: 'DRAINING',
        escalation: null,
      },
    };
    nock(baseUrl).post(cancelRoute, { mode: 'drain' }).reply(202, draining);
    const job = await new Hpcgate({ baseUrl }).jobs.cancelJob({ jobId, mode: 'drain' });
    expect(job.status).toBe('RUNNING');
    expect(job.stopRequest?.outcome).toBe('DRAINING');
    expect(job.tasks?.counts).toMatchObject({ RUNNING: 3, SKIPPED: 40 });
  });

  it('escalate goes to the gateway as given: one step, or a list of steps', async () => {
    const steps = [
      { afterSeconds: 30, to: 'force-stop' as const },
      { afterSeconds: 60, to: 'terminate' as const },
    ];
    nock(baseUrl)
      .post(cancelRoute, { mode: 'interrupt', escalate: steps[0] })
      .reply(202, interrupted)
      .post(cancelRoute, { mode: 'interrupt', escalate: steps })
      .reply(202, interrupted);
    const jobs = new Hpcgate({ baseUrl }).jobs;
    const job = await jobs.cancelJob({ jobId, mode: 'interrupt', escalate: steps[0] });
    await jobs.cancelJob({ jobId, mode: 'interrupt', escalate: steps });
    expect(nock.isDone()).toBe(true);
    expect(job.stopRequest?.escalation).toEqual({
      steps: [{ afterSeconds: 30, to: 'force-stop' }],
      dueAt: '2026-11-23T10:00:30.000Z',
    });
  });

  it("the gateway's refusal of a plan is a BadRequestError naming the field (no SDK-side rule)", async () => {
    nock(baseUrl)
      .post(cancelRoute, { mode: 'terminate', escalate: { afterSeconds: 5, to: 'cancel' } })
      .reply(400, {
        error: {
          code: 'VALIDATION_FAILED',
          message: 'body.escalate: each escalation step must be stronger than the one before it',
          details: { field: 'body.escalate' },
        },
      });
    const err = await new Hpcgate({ baseUrl }).jobs
      .cancelJob({ jobId, mode: 'terminate', escalate: { afterSeconds: 5, to: 'cancel' } })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(BadRequestError);
    expect((err as BadRequestError).field).toBe('body.escalate');
  });

  it('with wait on the event stream: escalate is sent, and the wait lasts through the escalation', async () => {
    const bodies: unknown[] = [];
    let events: ServerResponse | undefined;
    let ended = false;
    server = await startServer(async (req, res) => {
      if (req.url?.endsWith('/events')) {
        sseHead(res);
        sseEvent(res, 1, anEvent(jobId, 1, 'RUNNING'));
        events = res;
        return;
      }
      if (req.method === 'POST') {
        bodies.push(await bodyOf(req));
        json(res, 202, interrupted);
        // The job ignores the interrupt; the gateway's escalation step ends it.
        setImmediate(() => {
          sseEvent(events!, 2, anEvent(jobId, 2, 'RUNNING', 'STOP_ESCALATED'));
          ended = true;
          sseEvent(events!, 3, anEvent(jobId, 3, 'CANCELLED'));
          sseEnd(events!, { jobId, status: 'CANCELLED' });
        });
        return;
      }
      json(res, 200, ended ? forceStopped : interrupted);
    });
    const escalate = { afterSeconds: 30, to: 'force-stop' as const };
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({
      jobId,
      mode: 'interrupt',
      escalate,
      wait: 120,
    });
    // On the stream the SDK waits itself: the gateway is not asked to hold the answer.
    expect(bodies).toEqual([{ mode: 'interrupt', escalate }]);
    expect(job).toEqual(forceStopped);
  });

  it('with wait and no event stream: the held cancel carries escalate too', async () => {
    const bodies: { mode?: string; escalate?: unknown; wait?: number }[] = [];
    server = await startServer(async (req, res) => {
      if (req.url?.endsWith('/events')) return jsonError(res, 404, 'ROUTE_NOT_FOUND', 'no route');
      bodies.push((await bodyOf(req)) as { wait?: number });
      json(res, 200, forceStopped);
    });
    const escalate = [{ afterSeconds: 30, to: 'force-stop' as const }];
    const job = await new Hpcgate({ baseUrl: server.url }).jobs.cancelJob({
      jobId,
      mode: 'interrupt',
      escalate,
      wait: 60,
    });
    expect(job.condition).toBe('FORCE_STOPPED_BY_USER');
    expect(bodies).toHaveLength(1);
    expect(bodies[0]).toMatchObject({ mode: 'interrupt', escalate });
    expect(bodies[0]?.wait).toBeGreaterThan(0);
    expect(bodies[0]?.wait).toBeLessThanOrEqual(60);
  });
});
