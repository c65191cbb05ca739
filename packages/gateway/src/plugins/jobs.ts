import fp from 'fastify-plugin';
import { JobService } from '../jobs/job-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobService;
  }
}

/** The job service and its monitors: they start once the app is ready and stop before the store closes. */
export default fp(
  async (fastify) => {
    const jobs = new JobService(fastify.store, fastify.systems, fastify.log);
    fastify.decorate('jobs', jobs);
    fastify.addHook('onReady', async () => jobs.start());
    fastify.addHook('preClose', async () => jobs.stop());
  },
  { name: 'jobs', dependencies: ['store', 'systems'] },
);
