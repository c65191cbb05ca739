import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { JobService } from '../jobs/job-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobService;
  }
}

/** The job service and its monitors: they start once the app is ready and stop before the store closes. */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const jobs = new JobService(fastify.store, fastify.systems, opts.config.limits, fastify.log);
    fastify.decorate('jobs', jobs);
    fastify.addHook('onReady', async () => jobs.start());
    fastify.addHook('preClose', async () => jobs.close());
  },
  { name: 'jobs', dependencies: ['store', 'systems'] },
);
