import { allJobEventsQuerySchema, isTerminal, jobEventsQuerySchema } from '@hpcgate/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { ownerScope } from '../../jobs/caller.js';
import type { StreamOptions } from '../../jobs/event-stream.js';
import { errors, jobIdParams, security } from './shared.js';

const lastEventIdHeader = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,15}$/, 'must be the id of an event this stream sent')
    .optional()
    .describe('resume after this event (what EventSource sends when it reconnects)'),
});
const sse = z
  .string()
  .describe(
    'text/event-stream: one `id:` + `data:` (a JobStreamEvent as JSON) per history event, ' +
      '`: heartbeat` comments, and on a one-job stream a final `event: end`',
  );

/** Where to resume: Last-Event-ID (sent by a reconnecting EventSource, so newer) over `after`. */
function resumeFrom(header: string | undefined, after: number | undefined): number | undefined {
  return header !== undefined ? Number(header) : after;
}

/**
 * `GET /v3/jobs/{jobId}/events` and `GET /v3/jobs/events`: history events as Server-Sent Events,
 * pushed when the JobWriter tells of a change (no polling) and read from the store by cursor.
 * Registered inside the jobs plugin, behind its authentication hook.
 */
const jobEventRoutes: FastifyPluginAsyncZod = async (fastify) => {
  const streams = fastify.eventStreams;

  /** Takes a slot (or throws 429, still before anything is sent) and hands the response over. */
  const open = (
    request: FastifyRequest,
    reply: FastifyReply,
    opts: Omit<StreamOptions, 'release' | 'log'>,
  ) => {
    const release = streams.reserve(request.caller.username);
    let forget = () => {};
    try {
      reply.hijack();
      const close = streams.open(reply.raw, reply.getHeaders() as Record<string, string>, {
        ...opts,
        release: () => {
          forget();
          release();
        },
        log: request.log,
      });
      // A stream of the web page ends when its session is signed out.
      forget = request.webSession?.onEnd(close) ?? forget;
    } catch (err) {
      release();
      throw err;
    }
    return reply;
  };

  fastify.get(
    '/events',
    {
      schema: {
        summary: "Every history event of the caller's jobs as it is written (SSE)",
        description:
          "The caller's own jobs (an admin may name another `owner`, or `*` for everyone's), " +
          "narrowed by `name` (with `*`), `tags` (all of them) and `status` (the event's). The " +
          'SSE id is a gateway-wide event id; without ' +
          '`Last-Event-ID` or `after` the stream starts now. Never ends on its own.',
        security,
        querystring: allJobEventsQuerySchema,
        headers: lastEventIdHeader,
        response: { 200: sse, ...errors },
      },
    },
    async (request, reply) => {
      const { status, name, tags, after, owner: asked } = request.query;
      const owner = ownerScope(request.caller, asked, 'querystring.owner');
      const filter = { status, name, tags };
      const store = fastify.store;
      return open(request, reply, {
        cursor: resumeFrom(request.headers['last-event-id'], after),
        head: () => store.lastEventId(),
        source: {
          async next(cursor, limit) {
            const events = await store.eventsOf(owner, cursor, filter, limit);
            return {
              events: events.map(({ id, ...e }) => ({ cursor: id, data: e })),
            };
          },
        },
        // Other users' changes never wake this stream (and its reads are the owner's only).
        subscribe: (wake) =>
          fastify.jobs.events.subscribeAll((job) => {
            if (owner === null || job === null || job.owner === owner) wake();
          }),
      });
    },
  );

  fastify.get(
    '/:jobId/events',
    {
      schema: {
        summary: "One job's history events as they are written (SSE)",
        description:
          "The SSE id is the event's `seq`. Replays the history after `Last-Event-ID` or " +
          '`after` (all of it without either), then goes live; once the job has ended and Slurm ' +
          'is done with it, sends `event: end` and closes.',
        security,
        params: jobIdParams,
        querystring: jobEventsQuerySchema,
        headers: lastEventIdHeader,
        response: { 200: sse, ...errors },
      },
    },
    async (request, reply) => {
      const { jobId } = request.params;
      // 404 JOB_NOT_FOUND as every route: not the caller's (and not an admin).
      await fastify.jobs.get(request.caller, jobId);
      const store = fastify.store;
      return open(request, reply, {
        cursor: resumeFrom(request.headers['last-event-id'], request.query.after) ?? 0,
        source: {
          async next(cursor, limit) {
            // The job before its events: once it reads as over, no event of it is newer than
            // those read next.
            const job = await store.get(jobId);
            const events = await store.historyAfter(jobId, cursor, limit);
            const over =
              job !== undefined &&
              isTerminal(job.status) &&
              job.remoteDone &&
              events.length < limit;
            return {
              events: events.map((e) => ({ cursor: e.seq, data: { jobId, ...e } })),
              ...(over && { end: { jobId, status: job.status } }),
            };
          },
        },
        subscribe: (wake) => fastify.jobs.events.subscribe(jobId, wake),
      });
    },
  );
};

export default jobEventRoutes;
