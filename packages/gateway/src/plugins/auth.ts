import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Identity, TokenVerifier } from '../auth/token-verifier.js';
import type { GatewayConfig } from '../config/schema.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook (onRequest or preHandler) for routes that need a verified caller: sets
     * `request.caller`, or fails with 401 (bad token) or 503 (identity provider unreachable).
     * Verifies once per request: a second call for the same request does nothing.
     */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    caller: Identity;
  }
}

export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const verifier = new TokenVerifier(opts.config.auth);
    fastify.decorateRequest('caller', null as unknown as Identity);
    fastify.decorate('authenticate', async (request: FastifyRequest) => {
      if (request.caller) return;
      request.caller = await verifier.verify(request.headers.authorization);
    });
  },
  { name: 'auth' },
);
