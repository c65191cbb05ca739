import { jobTasksQuerySchema, jobTasksResponseSchema } from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { errors, jobIdParams, security } from './shared.js';

/** `GET /v3/jobs/{jobId}/tasks`: a job array's tasks. Inside the jobs plugin (its auth hook). */
const taskRoutes: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get(
    '/:jobId/tasks',
    {
      schema: {
        summary: "A job array's tasks, by index, one page, with the counts by status",
        description:
          'Each task: index, status (PENDING, RUNNING, SUCCEEDED, FAILED, CANCELED, SKIPPED), ' +
          "Slurm's state, exit code, start and end. A job of one part has no tasks (an empty page).",
        security,
        params: jobIdParams,
        querystring: jobTasksQuerySchema,
        response: { 200: jobTasksResponseSchema, ...errors },
      },
    },
    async (request) => fastify.jobs.tasks(request.caller, request.params.jobId, request.query),
  );
};

export default taskRoutes;
