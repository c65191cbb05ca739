import { logsQuerySchema } from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { GatewayConfig } from '../../config/schema.js';
import { LogSession } from '../../jobs/outputs/log-stream.js';
import { logFile } from '../../scheduler/job-files.js';
import { errors, jobIdParams, security } from './shared.js';

const lastEventIdHeader = z.object({
  'last-event-id': z
    .string()
    .regex(/^\d{1,16}$/, 'must be the id of an event this stream sent (a byte offset)')
    .optional()
    .describe('resume at this byte offset (what EventSource sends when it reconnects)'),
});

/**
 * `GET /v3/jobs/{jobId}/logs`: a job's stdout or stderr as Server-Sent Events, followed live
 * while it runs. Registered inside the jobs plugin, behind its authentication hook.
 */
const logRoutes: FastifyPluginAsyncZod<{ config: GatewayConfig }> = async (fastify, opts) => {
  // Only the per-user bound of the event streams' registry is used here: log streams count apart.
  const slots = fastify.logStreams;
  const sessions = new Set<LogSession>();
  fastify.addHook('preClose', async () => {
    for (const s of [...sessions]) s.close();
  });

  fastify.get(
    '/:jobId/logs',
    {
      schema: {
        summary: "A job's stdout or stderr, followed live while it runs (SSE)",
        description:
          '`event: log` carries whole lines as `{ offset, text, next }` (the SSE id is `next`, ' +
          'a byte offset that `Last-Event-ID` or `offset` resumes from); `event: skipped` names ' +
          'bytes left out; `event: end` closes the stream once the job is over (with `follow`) ' +
          'or once what was written so far was sent. After the job, the gateway serves the copy ' +
          'it collected when the cluster no longer has the file.',
        security,
        params: jobIdParams,
        querystring: logsQuerySchema,
        headers: lastEventIdHeader,
        response: {
          200: z.string().describe('text/event-stream: log, skipped and end events'),
          ...errors,
        },
      },
    },
    async (request, reply) => {
      const { stream, follow, task } = request.query;
      const header = request.headers['last-event-id'];
      const offset = header !== undefined ? Number(header) : request.query.offset;
      const release = slots.reserve(request.caller.username);
      let session: LogSession;
      let forget = () => {};
      try {
        const opened = await fastify.outputs.openLog(
          request.caller,
          request.params.jobId,
          stream,
          task,
          offset,
          follow,
        );
        session = new LogSession(reply.raw, {
          job: opened.job,
          stream: logFile(stream, task),
          offset,
          cluster: opened.cluster,
          maxCatchUpBytes: opts.config.outputs.maxCatchUpBytes,
          release: () => {
            forget();
            release();
            sessions.delete(session);
          },
          log: request.log,
        });
        sessions.add(session);
        // A stream of the web page ends when its session is signed out.
        forget = request.webSession?.onEnd(() => session.close()) ?? forget;
        reply.hijack();
        session.begin(reply.getHeaders() as Record<string, string>);
        if (opened.source) void session.once(opened.source);
        else void session.followLive(fastify.outputs.readers);
      } catch (err) {
        release();
        throw err;
      }
      return reply;
    },
  );
};

export default logRoutes;
