import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const reachability = z.object({
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  checkedAt: z.string(),
});

const healthzResponse = z.object({
  status: z.literal('ok'),
  systems: z.record(z.string(), reachability),
});

const readyzResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  systems: z.record(z.string(), reachability),
});

const health: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness, with each execution system reached over SSH',
        response: { 200: healthzResponse },
      },
    },
    async () => ({ status: 'ok' as const, systems: await fastify.systems.probeAll() }),
  );

  fastify.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: every execution system reachable, with its latency',
        response: { 200: readyzResponse, 503: readyzResponse },
      },
    },
    async (_request, reply) => {
      const systems = await fastify.systems.probeAll();
      const ready = Object.values(systems).every((s) => s.reachable);
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not_ready', systems });
    },
  );
};

export default health;
