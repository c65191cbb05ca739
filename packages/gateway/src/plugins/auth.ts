import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Identity, TokenVerifier, type VerifyOptions } from '../auth/token-verifier.js';
import type { GatewayConfig } from '../config/schema.js';
import { RateLimitedError, TokenBucketLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook (onRequest or preHandler) for routes that need a verified caller: sets
     * `request.caller`, or fails with 401 (bad token), 429 (this client sent too many tokens that
     * needed introspection) or 503 (identity provider unreachable).
     * Verifies once per request: a second call for the same request does nothing.
     */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
  }
  interface FastifyRequest {
    caller: Identity;
  }
}

/**
 * Verifies bearer tokens (TokenVerifier). Tokens that would cost a request to the identity
 * provider (opaque tokens whose introspection answer is neither cached nor being fetched) are
 * paid for first from a bucket per client address (`auth.introspection.clientLimit`), whether or
 * not `rateLimit` is set: see rate-limit.ts for why the limit is keyed so before the caller is
 * known.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const verifier = new TokenVerifier(opts.config.auth);
    const limit = opts.config.auth.introspection?.clientLimit;
    const unverified = limit ? new TokenBucketLimiter(limit) : undefined;
    fastify.decorateRequest('caller', null as unknown as Identity);
    fastify.decorate('authenticate', async (request: FastifyRequest) => {
      if (request.caller) return;
      const verify: VerifyOptions = unverified
        ? {
            beforeIntrospection: () => {
              const result = unverified.take(`ip:${request.ip}`);
              if (!result.allowed) throw new RateLimitedError(result.retryAfterSec);
            },
          }
        : {};
      request.caller = await verifier.verify(request.headers.authorization, verify);
    });
  },
  { name: 'auth' },
);
