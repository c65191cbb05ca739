import {
  createSubscriptionRequestSchema,
  createSubscriptionResponseSchema,
  deliveryListResponseSchema,
  errorBodySchema,
  listDeliveriesQuerySchema,
  listSubscriptionsQuerySchema,
  subscriptionIdParamsSchema,
  subscriptionListResponseSchema,
  subscriptionSchema,
} from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors, security } from './jobs/shared.js';

const idempotencyHeader = z.object({
  'idempotency-key': z
    .string()
    .optional()
    .describe('retries with the same key get the first answer again; nothing is made twice'),
});

/**
 * `/v3/jobs/subscriptions`: webhooks (docs/webhooks.md). Each caller sees and changes only their
 * own subscriptions (404 otherwise, admins included). Every route needs a verified bearer token.
 */
const subscriptions: FastifyPluginAsyncZod = async (fastify) => {
  // Before the body is parsed or validated: an anonymous caller learns nothing about it.
  fastify.addHook('onRequest', fastify.authenticate);

  fastify.post(
    '/',
    {
      schema: {
        summary: "Subscribe a URL to the caller's job events (a webhook)",
        description:
          'The gateway POSTs every matching history event of the caller’s own jobs to `url`, ' +
          'signed (X-Hpcgate-Signature-256: sha256=HMAC of the body) with `secret`. Without ' +
          '`secret` the gateway makes one and returns it in this answer only. A URL whose host ' +
          'is or resolves to a loopback, private or link-local address is 400 ' +
          'WEBHOOK_ADDRESS_FORBIDDEN unless the gateway allows them.',
        security,
        body: createSubscriptionRequestSchema,
        headers: idempotencyHeader,
        response: { 201: createSubscriptionResponseSchema, 422: errorBodySchema, ...errors },
      },
      preHandler: fastify.idempotent,
    },
    async (request, reply) => {
      const created = await fastify.webhooks.create(request.caller, request.body);
      return reply.code(201).send(created);
    },
  );

  fastify.get(
    '/',
    {
      schema: {
        summary: "The caller's subscriptions, newest first",
        security,
        querystring: listSubscriptionsQuerySchema,
        response: { 200: subscriptionListResponseSchema, ...errors },
      },
    },
    async (request) =>
      fastify.webhooks.list(request.caller, request.query.limit, request.query.cursor),
  );

  fastify.get(
    '/:subscriptionId',
    {
      schema: {
        summary: 'One subscription (never its secret)',
        security,
        params: subscriptionIdParamsSchema,
        response: { 200: subscriptionSchema, ...errors },
      },
    },
    async (request) => fastify.webhooks.get(request.caller, request.params.subscriptionId),
  );

  fastify.delete(
    '/:subscriptionId',
    {
      schema: {
        summary: 'Delete a subscription, with its delivery log; nothing more is sent',
        security,
        params: subscriptionIdParamsSchema,
        response: { 204: z.null().describe('deleted'), ...errors },
      },
    },
    async (request, reply) => {
      await fastify.webhooks.delete(request.caller, request.params.subscriptionId);
      return reply.code(204).send(null);
    },
  );

  fastify.get(
    '/:subscriptionId/deliveries',
    {
      schema: {
        summary: "A subscription's deliveries with every attempt, newest first",
        security,
        params: subscriptionIdParamsSchema,
        querystring: listDeliveriesQuerySchema,
        response: { 200: deliveryListResponseSchema, ...errors },
      },
    },
    async (request) =>
      fastify.webhooks.deliveries(
        request.caller,
        request.params.subscriptionId,
        request.query.limit,
        request.query.cursor,
      ),
  );
};

export default subscriptions;
