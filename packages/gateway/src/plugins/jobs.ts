import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { EventStreams } from '../jobs/event-stream.js';
import { JobService } from '../jobs/job-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    jobs: JobService;
    /** The open event streams (`/events`): their per-user bound, their end at shutdown. */
    eventStreams: EventStreams;
  }
}

/** The job service and its monitors: they start once the app is ready and stop before the store closes. */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const jobs = new JobService(
      fastify.store,
      fastify.systems,
      opts.config.limits,
      fastify.coordination,
      fastify.log,
    );
    const streams = new EventStreams();
    fastify.decorate('jobs', jobs);
    fastify.decorate('eventStreams', streams);
    fastify.addHook('onReady', async () => jobs.start());
    // Open responses would hold the server's close up.
    fastify.addHook('preClose', async () => {
      streams.closeAll();
      await jobs.close();
    });
  },
  { name: 'jobs', dependencies: ['store', 'systems', 'coordination'] },
);
