import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { type Identity, TokenVerifier, type VerifyOptions } from '../auth/token-verifier.js';
import type { GatewayConfig } from '../config/schema.js';
import { HttpError } from '../domain/http-error.js';
import { CSRF_MESSAGE, passesCsrf } from '../web/csrf.js';
import { requestOrigin, sessionCookie } from '../web/request.js';
import { type WebSession, WebSessions } from '../web/web-sessions.js';
import { RateLimitedError, TokenBucketLimiter } from './rate-limit.js';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Hook (onRequest or preHandler) for routes that need a verified caller: sets
     * `request.caller`, or fails with 401 (bad token), 403 (a web session's unsafe request
     * without its CSRF token), 429 (this client sent too many tokens that needed introspection)
     * or 503 (identity provider unreachable).
     * Verifies once per request: a second call for the same request does nothing.
     */
    authenticate: (request: FastifyRequest, reply: FastifyReply) => Promise<void>;
    /** The web page's sign-in and sessions; undefined without `web` in the config. */
    webSessions: WebSessions | undefined;
  }
  interface FastifyRequest {
    caller: Identity;
    /** Set when the caller came with the web page's session cookie, not a bearer token. */
    webSession: WebSession | null;
  }
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * Verifies the caller: a bearer token (TokenVerifier), or, with no Authorization header, the web
 * page's session cookie (WebSessions), whose unsafe requests must carry the session's CSRF token
 * and come from the gateway's own origin. Tokens that would cost a request to the identity
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
    const sessions = opts.config.web ? webSessions(fastify, opts.config, verifier) : undefined;
    fastify.decorate('webSessions', sessions);
    fastify.decorateRequest('caller', null as unknown as Identity);
    fastify.decorateRequest('webSession', null);
    fastify.decorate('authenticate', async (request: FastifyRequest) => {
      if (request.caller) return;
      const cookie = sessions && !request.headers.authorization && sessionCookie(request);
      if (sessions && cookie) {
        const session = await sessions.identify(cookie);
        if (!session)
          throw new HttpError(401, 'UNAUTHENTICATED', 'the web session has ended; sign in again');
        if (!SAFE_METHODS.has(request.method)) checkCsrf(request, cookie, sessions);
        request.webSession = session;
        request.caller = session.identity;
        return;
      }
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
  { name: 'auth', dependencies: ['store', 'coordination'] },
);

function webSessions(
  fastify: FastifyInstance,
  config: GatewayConfig,
  verifier: TokenVerifier,
): WebSessions {
  const sessions = new WebSessions(
    fastify.sessionStore,
    verifier,
    config.web!,
    config.auth,
    fastify.log.child({ component: 'web-sessions' }),
  );
  // A sign-out ends the session's streams on every replica, not only on the one that took it.
  const bus = fastify.coordination.bus;
  sessions.relaySignOutsTo((session) => bus.publish({ type: 'session-ended', session }));
  const unsubscribe = bus.subscribe((m) => {
    if (m.type === 'session-ended') sessions.endedElsewhere(m.session);
  });
  fastify.addHook('onClose', async () => unsubscribe());
  return sessions;
}

function checkCsrf(request: FastifyRequest, sessionToken: string, sessions: WebSessions): void {
  if (!passesCsrf(request, sessionToken, sessions.origin(requestOrigin(request)))) {
    throw new HttpError(403, 'CSRF_FAILED', CSRF_MESSAGE);
  }
}
