import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Identity, TokenVerifier } from '../auth/token-verifier.js';
import type { GatewayConfig } from '../config/schema.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for routes that need a verified caller. */
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
      request.caller = await verifier.verify(request.headers.authorization);
    });
  },
  { name: 'auth' },
);
