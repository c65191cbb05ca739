import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import fp from 'fastify-plugin';
import {
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
} from 'fastify-type-provider-zod';
import type { GatewayConfig } from './config/schema.js';
import { installErrorHandler } from './errors/error-handler.js';
import auth from './plugins/auth.js';
import idempotency from './plugins/idempotency.js';
import jobsService from './plugins/jobs.js';
import rateLimit from './plugins/rate-limit.js';
import store from './plugins/store.js';
import systems from './plugins/systems.js';
import health from './routes/health.js';
import jobs from './routes/jobs/index.js';

export interface AppOptions {
  config: GatewayConfig;
}

/** The whole gateway as one Fastify plugin: services first, then routes. */
export const gatewayApp = fp(
  async (fastify, opts: AppOptions) => {
    fastify.setValidatorCompiler(validatorCompiler);
    fastify.setSerializerCompiler(serializerCompiler);
    installErrorHandler(fastify);
    await fastify.register(swagger, {
      openapi: {
        info: { title: 'hpcgate', version: '0.1.0', description: 'Slurm jobs over HTTP' },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      transform: jsonSchemaTransform,
    });
    await fastify.register(auth, { config: opts.config });
    // Before the routes: it hooks every /v3/jobs route as it is declared.
    await fastify.register(rateLimit, { config: opts.config });
    await fastify.register(store, { config: opts.config });
    await fastify.register(systems, { config: opts.config });
    await fastify.register(idempotency);
    await fastify.register(jobsService);
    await fastify.register(health);
    await fastify.register(jobs, { prefix: '/v3/jobs' });
    fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());
  },
  { name: 'hpcgate-gateway' },
);

/** Builds a ready-to-listen (or ready-to-inject) gateway. It does not listen. */
export async function buildApp(
  config: GatewayConfig,
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  // pino would fail later, and quietly, on a missing directory.
  if (config.logFile) mkdirSync(dirname(config.logFile), { recursive: true });
  const fastify = Fastify({
    logger: {
      level: config.logLevel,
      // Tokens never reach the log.
      redact: ['req.headers.authorization'],
      ...(config.logFile ? { file: config.logFile } : {}),
    },
    ...fastifyOptions,
  });
  await fastify.register(gatewayApp, { config });
  await fastify.ready();
  return fastify;
}
