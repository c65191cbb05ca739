import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { GatewayConfig } from './config/schema.js';
import { installErrorHandler } from './errors/error-handler.js';
import systems from './plugins/systems.js';
import health from './routes/health.js';

export interface AppOptions {
  config: GatewayConfig;
}

/** The whole gateway as one Fastify plugin: services first, then routes. */
export const gatewayApp = fp(
  async (fastify, opts: AppOptions) => {
    fastify.setValidatorCompiler(validatorCompiler);
    fastify.setSerializerCompiler(serializerCompiler);
    installErrorHandler(fastify);
    await fastify.register(systems, { config: opts.config });
    await fastify.register(health);
  },
  { name: 'hpcgate-gateway' },
);

/** Builds a ready-to-listen (or ready-to-inject) gateway. It does not listen. */
export async function buildApp(
  config: GatewayConfig,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const fastify = Fastify({
    logger: { level: config.logLevel },
    ...fastifyOptions,
  });
  await fastify.register(gatewayApp, { config });
  await fastify.ready();
  return fastify;
}
