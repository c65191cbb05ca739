import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { JobOutputs } from '../jobs/outputs/job-outputs.js';
import { LogReaders } from '../jobs/outputs/log-readers.js';

declare module 'fastify' {
  interface FastifyInstance {
    outputs: JobOutputs;
  }
}

/** Jobs' files: listing and downloads (live logs and their collection join it). */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const readers = new LogReaders(fastify.store, fastify.jobs.events, fastify.log);
    const outputs = new JobOutputs(
      fastify.jobs,
      fastify.systems,
      fastify.store,
      opts.config.outputs,
      readers,
    );
    fastify.decorate('outputs', outputs);
    fastify.addHook('preClose', async () => readers.closeAll());
  },
  { name: 'outputs', dependencies: ['jobs', 'systems', 'store'] },
);
