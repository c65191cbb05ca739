import { jobSchema } from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors, jobIdParams, security } from './shared.js';

/**
 * `POST /v3/jobs/{jobId}/hide` and `/unhide`: whether the job shows in its owner's list. Each is
 * idempotent by nature (hiding a hidden job changes nothing), so no Idempotency-Key is needed.
 * Registered inside the jobs plugin, behind its authentication hook.
 */
const visibilityRoutes: FastifyPluginAsyncZod = async (fastify) => {
  for (const [verb, hidden] of [
    ['hide', true],
    ['unhide', false],
  ] as const) {
    fastify.post(
      `/:jobId/${verb}`,
      {
        schema: {
          summary: hidden
            ? "Leave a job out of the caller's list (GET /v3/jobs/list?includeHidden=true shows it)"
            : "Show a hidden job in the caller's list again",
          description:
            'The job is otherwise unchanged: readable by id, stoppable, in event streams, its ' +
            'history kept. The owner only (404 for anyone else).',
          security,
          params: jobIdParams,
          // Nothing to say: an empty body (or none); any field is a 400, never ignored.
          body: z.object({}).strict().nullish(),
          response: { 200: jobSchema, ...errors },
        },
      },
      async (request) => fastify.jobs.setHidden(request.caller, request.params.jobId, hidden),
    );
  }
};

export default visibilityRoutes;
