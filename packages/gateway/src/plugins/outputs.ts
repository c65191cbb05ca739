import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { JobOutputs } from '../jobs/outputs/job-outputs.js';

declare module 'fastify' {
  interface FastifyInstance {
    outputs: JobOutputs;
  }
}

/** Jobs' files: listing and downloads (live logs and their collection join it). */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const outputs = new JobOutputs(fastify.jobs, fastify.systems, opts.config.outputs);
    fastify.decorate('outputs', outputs);
  },
  { name: 'outputs', dependencies: ['jobs', 'systems'] },
);
