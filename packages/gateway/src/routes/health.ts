import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';

const reachability = z.object({
  reachable: z.boolean(),
  latencyMs: z.number().nullable(),
  error: z.string().nullable(),
  checkedAt: z.string(),
});

const cycle = z
  .object({
    at: z.string(),
    watchedJobs: z.number(),
    commands: z.number(),
    durationMs: z.number(),
    error: z.string().nullable(),
  })
  .nullable();

const healthzResponse = z.object({
  status: z.literal('ok'),
  systems: z.record(z.string(), reachability),
});

const readyzResponse = z.object({
  status: z.enum(['ready', 'not_ready']),
  store: z.object({ ok: z.boolean(), error: z.string().nullable() }),
  systems: z.record(z.string(), reachability.extend({ lastPollCycle: cycle })),
});

const health: FastifyPluginAsyncZod = async (fastify) => {
  fastify.get(
    '/healthz',
    {
      schema: {
        summary:
          'Liveness (always 200 while the process serves), with each system reached over SSH',
        response: { 200: healthzResponse },
      },
    },
    async () => ({ status: 'ok' as const, systems: await fastify.probeSystems() }),
  );

  fastify.get(
    '/readyz',
    {
      schema: {
        summary: 'Readiness: the store answers and every execution system is reachable',
        response: { 200: readyzResponse, 503: readyzResponse },
      },
    },
    async (_request, reply) => {
      const [probes, store] = await Promise.all([
        fastify.probeSystems(),
        fastify.store.ping().then(
          () => ({ ok: true, error: null }),
          (err: Error) => ({ ok: false, error: err.message }),
        ),
      ]);
      const systems = Object.fromEntries(
        Object.entries(probes).map(([id, p]) => [
          id,
          { ...p, lastPollCycle: fastify.jobs.monitor(id)?.lastCycle ?? null },
        ]),
      );
      const ready = store.ok && Object.values(probes).every((s) => s.reachable);
      return reply
        .code(ready ? 200 : 503)
        .send({ status: ready ? 'ready' : 'not_ready', store, systems });
    },
  );
};

export default health;
