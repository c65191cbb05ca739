import {
  cancelJobRequestSchema,
  errorBodySchema,
  isTerminal,
  jobHistoryResponseSchema,
  jobListResponseSchema,
  jobSchema,
  jobStatusResponseSchema,
  listJobsQuerySchema,
  stopJobsRequestSchema,
  stopJobsResponseSchema,
  submitJobRequestSchema,
} from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { GatewayConfig } from '../../config/schema.js';
import jobEventRoutes from './events.js';
import logRoutes from './logs.js';
import outputRoutes from './output.js';
import resubmitRoutes from './resubmit.js';
import { errors, idempotencyHeader, jobIdParams, security } from './shared.js';
import taskRoutes from './tasks.js';
import visibilityRoutes from './visibility.js';

/** `/v3/jobs`: the Tapis-shaped job API. Every route needs a verified bearer token. */
const jobs: FastifyPluginAsyncZod<{ config: GatewayConfig }> = async (fastify, opts) => {
  // Before the body is parsed or validated: an anonymous caller learns nothing about it.
  fastify.addHook('onRequest', fastify.authenticate);
  await fastify.register(jobEventRoutes);
  await fastify.register(outputRoutes);
  await fastify.register(taskRoutes);
  await fastify.register(logRoutes, { config: opts.config });
  await fastify.register(resubmitRoutes);
  await fastify.register(visibilityRoutes);

  fastify.post(
    '/submit',
    {
      schema: {
        summary: 'Submit a job to an execution system',
        security,
        body: submitJobRequestSchema,
        headers: idempotencyHeader,
        response: { 201: jobSchema, 422: errorBodySchema, ...errors },
      },
      preHandler: fastify.idempotent,
    },
    async (request, reply) => {
      const job = await fastify.jobs.submit(
        request.caller,
        request.body,
        undefined,
        request.idempotency?.key,
      );
      return reply.code(201).send(job);
    },
  );

  fastify.get(
    '/list',
    {
      schema: {
        summary: "The caller's jobs, newest first, with filters and cursor pagination",
        security,
        querystring: listJobsQuerySchema,
        response: { 200: jobListResponseSchema, ...errors },
      },
    },
    async (request) => fastify.jobs.list(request.caller, request.query),
  );

  fastify.post(
    '/stop',
    {
      schema: {
        summary:
          "Stop many of the caller's jobs at once, chosen by ids, names (with *), status, system, tags",
        description:
          'One result per matched job: stopped, would_stop (whatIf), not_cancellable (with its ' +
          'status) or error. `status` is STOPPED (WOULD_STOP) when a matched job had not ended, ' +
          'NO_JOBS_RUNNING when none had (or none matched): a success either way, with a ' +
          '`message` naming the selector.',
        security,
        body: stopJobsRequestSchema,
        headers: idempotencyHeader,
        response: { 200: stopJobsResponseSchema, 422: errorBodySchema, ...errors },
      },
      preHandler: fastify.idempotent,
    },
    async (request) => {
      const { selector, mode, whatIf } = request.body;
      const outcome = await fastify.jobs.stopMany(request.caller, selector, mode, whatIf);
      return { mode, whatIf, ...outcome };
    },
  );

  fastify.get(
    '/:jobId',
    {
      schema: {
        summary: 'One job',
        security,
        params: jobIdParams,
        response: { 200: jobSchema, ...errors },
      },
    },
    async (request) => fastify.jobs.get(request.caller, request.params.jobId),
  );

  fastify.get(
    '/:jobId/status',
    {
      schema: {
        summary: "A job's status and condition",
        security,
        params: jobIdParams,
        response: { 200: jobStatusResponseSchema, ...errors },
      },
    },
    async (request) => {
      const { status, condition } = await fastify.jobs.get(request.caller, request.params.jobId);
      return { status, condition };
    },
  );

  fastify.get(
    '/:jobId/history',
    {
      schema: {
        summary: "A job's transitions and stop requests, in order",
        security,
        params: jobIdParams,
        response: { 200: jobHistoryResponseSchema, ...errors },
      },
    },
    async (request) => ({
      jobId: request.params.jobId,
      events: await fastify.jobs.history(request.caller, request.params.jobId),
    }),
  );

  fastify.post(
    '/:jobId/cancel',
    {
      schema: {
        summary:
          'Stop a job: cancel (default), interrupt, force-stop or terminate; escalate if it goes on',
        description:
          '202 with the job and its stopRequest while the job has not ended; 200 with the final ' +
          'job once it has (with `wait`, after waiting up to that many seconds). 409 ' +
          'JOB_NOT_CANCELLABLE when the job had already ended.',
        security,
        params: jobIdParams,
        body: cancelJobRequestSchema.nullish(),
        headers: idempotencyHeader,
        response: {
          200: jobSchema,
          202: jobSchema,
          422: errorBodySchema,
          ...errors,
        },
      },
      preHandler: fastify.idempotent,
    },
    async (request, reply) => {
      const { mode, wait, escalate, tasks } = cancelJobRequestSchema.parse(request.body ?? {});
      const job = await fastify.jobs.requestStop(
        request.caller,
        request.params.jobId,
        mode,
        wait === undefined ? undefined : wait * 1000,
        escalate,
        tasks,
      );
      return reply.code(isTerminal(job.status) ? 200 : 202).send(job);
    },
  );
};

export default jobs;
