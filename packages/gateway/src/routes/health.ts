import {
  healthzResponseSchema as healthzResponse,
  readyzResponseSchema as readyzResponse,
} from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';

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
        summary:
          "Readiness: the store answers (with its pool's state) and every execution system is reachable; which replica holds which lease",
        response: { 200: readyzResponse, 503: readyzResponse },
      },
    },
    async (_request, reply) => {
      const coordination = fastify.coordination;
      const [probes, store, leases] = await Promise.all([
        fastify.probeSystems(),
        fastify.store.ping().then(
          () => ({ ok: true, error: null, pool: fastify.store.poolState() }),
          (err: Error) => ({ ok: false, error: err.message, pool: fastify.store.poolState() }),
        ),
        // The store's own failure is reported above; the leases are then unknown.
        coordination.leaseStates().catch(() => []),
      ]);
      const systems = Object.fromEntries(
        Object.entries(probes).map(([id, p]) => [
          id,
          {
            ...p,
            lastPollCycle: fastify.jobs.monitor(id)?.lastCycle ?? null,
            connections: fastify.systems.get(id)!.scheduler.connections(),
          },
        ]),
      );
      const ready = store.ok && Object.values(probes).every((s) => s.reachable);
      return reply.code(ready ? 200 : 503).send({
        status: ready ? 'ready' : 'not_ready',
        store,
        systems,
        replica: { id: coordination.replicaId, coordination: coordination.mode },
        leases,
      });
    },
  );
};

export default health;
