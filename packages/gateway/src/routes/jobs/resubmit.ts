import { errorBodySchema, jobSchema, resubmitJobRequestSchema } from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errors, idempotencyHeader, jobIdParams, security } from './shared.js';

/**
 * `POST /v3/jobs/{jobId}/resubmit`: a new job from one of the caller's jobs, with overrides.
 * Registered inside the jobs plugin, behind its authentication hook.
 */
const resubmitRoutes: FastifyPluginAsyncZod = async (fastify) => {
  fastify.post(
    '/:jobId/resubmit',
    {
      schema: {
        summary: "Submit a new job from one of the caller's jobs, with overrides",
        description:
          "The old job's submit parameters, each field of the body (any submit field, all " +
          'optional) in its place, through the checks of a submit (account, exclusive key, the ' +
          'active-job cap, #SBATCH policy). 201 with the new job (`resubmittedFrom`); the old ' +
          'one names it in `resubmittedAs` and a RESUBMITTED_AS event. Any status; the owner ' +
          'only (404 for anyone else).',
        security,
        params: jobIdParams,
        body: resubmitJobRequestSchema.nullish(),
        headers: idempotencyHeader,
        response: { 201: jobSchema, 422: errorBodySchema, ...errors },
      },
      preHandler: fastify.idempotent,
    },
    async (request, reply) => {
      const job = await fastify.jobs.resubmit(
        request.caller,
        request.params.jobId,
        request.body ?? {},
        request.idempotency?.key,
      );
      return reply.code(201).send(job);
    },
  );
};

export default resubmitRoutes;
