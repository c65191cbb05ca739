import fp from 'fastify-plugin';
import { z } from 'zod';
import type { GatewayConfig } from '../config/schema.js';
import { pollLeaseName, WEBHOOKS_LEASE } from '../coordination/leases.js';
import { GatewayMetrics } from '../metrics/gateway-metrics.js';

declare module 'fastify' {
  interface FastifyInstance {
    metrics: GatewayMetrics | undefined;
  }
}

/**
 * Prometheus metrics at `GET /metrics` (docs/metrics.md). Registered before the routes so that
 * its hook counts every answer; the services it reads (monitors, SSH pools, streams, webhooks)
 * are registered after it and read only when Prometheus scrapes.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    if (!opts.config.metrics.enabled) {
      fastify.decorate('metrics', undefined);
      return;
    }
    const metrics = new GatewayMetrics({
      systems: () => [...fastify.systems.keys()],
      poll: (id) => {
        const monitor = fastify.jobs.monitor(id);
        return (
          monitor && {
            last: monitor.lastCycle,
            cycles: monitor.cycles,
            failed: monitor.failedCycles,
          }
        );
      },
      ssh: (id) => {
        const scheduler = fastify.systems.get(id)?.scheduler;
        return scheduler && { ...scheduler.connections(), commandsSent: scheduler.commandsSent };
      },
      eventStreamClients: () => fastify.eventStreams.count(),
      logStreamClients: () => fastify.logStreams.reserved(),
      webhookAttempts: () => fastify.webhooks.attempts,
      leases: () =>
        [...[...fastify.systems.keys()].map(pollLeaseName), WEBHOOKS_LEASE].map((name) => ({
          name,
          held: fastify.coordination.lease(name).held(),
        })),
      jobsByStatus: () => fastify.store.countByStatus(),
    });
    fastify.decorate('metrics', metrics);
    // A callback hook: no promise per request.
    fastify.addHook('onResponse', (request, reply, done) => {
      metrics.observeRequest(
        request.method,
        request.routeOptions.url ?? '(no route)',
        reply.statusCode,
        reply.elapsedTime / 1000,
      );
      done();
    });
    fastify.get(
      '/metrics',
      {
        schema: {
          summary: 'Prometheus metrics (text exposition format)',
          response: { 200: z.string().describe('text/plain; version=0.0.4') },
        },
      },
      async (_request, reply) => {
        reply.type(metrics.registry.contentType);
        return metrics.registry.metrics();
      },
    );
  },
  { name: 'metrics', dependencies: ['store', 'systems', 'coordination'] },
);
