import { mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import { dirname } from 'node:path';
import swagger from '@fastify/swagger';
import Fastify, {
  type FastifyHttpOptions,
  type FastifyInstance,
  type FastifyRequest,
  type FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import { jsonSchemaTransform, validatorCompiler } from 'fastify-type-provider-zod';
import type { GatewayConfig, HttpConfig } from './config/schema.js';
import {
  clientErrorHandler,
  frameworkErrors,
  installErrorHandler,
  uriLengthHook,
} from './errors/error-handler.js';
import auth from './plugins/auth.js';
import coordination from './plugins/coordination.js';
import idempotency from './plugins/idempotency.js';
import jobsService from './plugins/jobs.js';
import metrics from './plugins/metrics.js';
import outputs from './plugins/outputs.js';
import rateLimit from './plugins/rate-limit.js';
import retention from './plugins/retention.js';
import store from './plugins/store.js';
import systems from './plugins/systems.js';
import web from './plugins/web.js';
import webhooks from './plugins/webhooks.js';
import health from './routes/health.js';
import jobs from './routes/jobs/index.js';
import { serializerCompiler } from './routes/serializer.js';
import subscriptions from './routes/subscriptions.js';
import { API_CSP, COMMON_SECURITY_HEADERS } from './web/security-headers.js';

/** The headers every answer starts with. */
const API_HEADERS = { ...COMMON_SECURITY_HEADERS, 'content-security-policy': API_CSP };

export interface AppOptions {
  config: GatewayConfig;
}

/** The whole gateway as one Fastify plugin: services first, then routes. */
export const gatewayApp = fp(
  async (fastify, opts: AppOptions) => {
    fastify.setValidatorCompiler(validatorCompiler);
    fastify.setSerializerCompiler(serializerCompiler);
    installErrorHandler(fastify);
    // First of all hooks, on every answer (a 414 too, event streams too: they send what is set
    // here); the page sets its own CSP.
    // A callback hook (no promise per request) with the headers merged once.
    fastify.addHook('onRequest', (_request, reply, done) => {
      reply.headers(API_HEADERS);
      done();
    });
    // Then, at the root: before routing's 404, authentication and the rate limit.
    fastify.addHook('onRequest', uriLengthHook(opts.config.http.maxUrlBytes));
    await fastify.register(swagger, {
      openapi: {
        info: { title: 'hpcgate', version: '0.1.0', description: 'Slurm jobs over HTTP' },
        components: {
          securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
        },
      },
      transform: jsonSchemaTransform,
    });
    await fastify.register(store, { config: opts.config });
    await fastify.register(coordination, { config: opts.config });
    await fastify.register(auth, { config: opts.config });
    // Before the routes: it hooks every /v3/jobs route as it is declared.
    await fastify.register(rateLimit, { config: opts.config });
    await fastify.register(systems, { config: opts.config });
    // Before the routes: its hook counts every answer.
    await fastify.register(metrics, { config: opts.config });
    await fastify.register(idempotency, { waitMs: opts.config.http.idempotentRetryWaitMs });
    await fastify.register(jobsService, { config: opts.config });
    await fastify.register(webhooks, { config: opts.config });
    await fastify.register(outputs, { config: opts.config });
    await fastify.register(retention, { config: opts.config });
    await fastify.register(health);
    await fastify.register(jobs, { prefix: '/v3/jobs', config: opts.config });
    await fastify.register(subscriptions, { prefix: '/v3/jobs/subscriptions' });
    await fastify.register(web, { config: opts.config });
    fastify.get('/openapi.json', { schema: { hide: true } }, async () => fastify.swagger());
  },
  { name: 'hpcgate-gateway' },
);

/**
 * Fastify's and Node's server options from `config.http`: every timeout finite, a connection cap,
 * headers big enough for large tokens, and the parser's own errors in the API's error envelope.
 */
export function serverOptions(http: HttpConfig): FastifyHttpOptions<Server> {
  return {
    // Node's `requestTimeout`: the whole request must have arrived by then.
    requestTimeout: http.requestTimeoutMs,
    // Socket inactivity (server.setTimeout): longer than the longest silent wait (cancel `wait`).
    connectionTimeout: http.socketTimeoutMs,
    keepAliveTimeout: http.keepAliveTimeoutMs,
    bodyLimit: http.bodyLimitBytes,
    http: {
      maxHeaderSize: http.maxHeaderBytes,
      headersTimeout: http.headersTimeoutMs,
      // How often Node checks the two timeouts above (default 30 s would stretch them).
      connectionsCheckingInterval: Math.min(2_000, http.headersTimeoutMs),
    },
    clientErrorHandler: clientErrorHandler(http.maxHeaderBytes),
    frameworkErrors,
  };
}

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
      // Requests are logged without their headers (tokens, cookies) and, under /auth/, without
      // their query (the sign-in's code and state).
      serializers: { req: requestForLog },
      ...(config.logFile ? { file: config.logFile } : {}),
    },
    ...serverOptions(config.http),
    ...fastifyOptions,
  });
  // Past this many open connections Node closes new ones at once.
  fastify.server.maxConnections = config.http.maxConnections;
  await fastify.register(gatewayApp, { config });
  await fastify.ready();
  return fastify;
}

/** Pino's request serializer: Fastify's fields, with the query of /auth/ requests left out. */
function requestForLog(req: FastifyRequest) {
  const [path = '', query] = req.url.split('?');
  const url = query !== undefined && path.startsWith('/auth/') ? `${path}?<redacted>` : req.url;
  return {
    method: req.method,
    url,
    host: req.host,
    remoteAddress: req.ip,
    remotePort: req.socket?.remotePort,
  };
}
