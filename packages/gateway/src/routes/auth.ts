import { errorBodySchema } from '@hpcgate/contract';
import type { FastifyReply } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { HttpError } from '../domain/http-error.js';
import {
  clearCookie,
  LOGIN_COOKIE,
  readCookie,
  SESSION_COOKIE,
  setCookie,
} from '../web/cookies.js';
import { CSRF_MESSAGE, passesCsrf } from '../web/csrf.js';
import { requestOrigin, sessionCookie } from '../web/request.js';
import { safeReturnTo } from '../web/return-to.js';
import { SignInFailedError, type WebSessions } from '../web/web-sessions.js';

const redirect = z.null().describe('a redirect (Location)');
const sessionSchema = z.object({
  username: z.string(),
  isAdmin: z.boolean(),
  csrfToken: z.string().describe('send it as x-csrf-token with every POST, PUT, PATCH and DELETE'),
  expiresAt: z.string(),
});
const logoutSchema = z.object({
  endSessionUrl: z.string().nullable().describe("the provider's sign-out page to visit next"),
});

/**
 * The web page's sign-in, the gateway acting for it (docs/web.md): `/auth/login` starts the
 * authorization code flow with PKCE, `/auth/callback` finishes it and sets the session cookie,
 * `/auth/session` tells the page who is signed in (and its CSRF token), `/auth/logout` ends it.
 */
const authRoutes: FastifyPluginAsyncZod<{
  sessions: WebSessions;
  /** Throws (429) when this client address starts sign-ins too fast. */
  limitLogin: (address: string) => void;
}> = async (fastify, opts) => {
  const { sessions } = opts;
  fastify.addHook('onRequest', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  fastify.get(
    '/login',
    {
      schema: {
        summary: 'Start signing in to the web page (redirects to the identity provider)',
        querystring: z.object({ returnTo: z.string().max(2048).optional() }).strict(),
        response: {
          302: redirect,
          400: errorBodySchema,
          429: errorBodySchema,
          503: errorBodySchema,
        },
      },
    },
    async (request, reply) => {
      opts.limitLogin(request.ip);
      const returnTo = safeReturnTo(request.query.returnTo);
      const login = await sessions.begin(returnTo, requestOrigin(request));
      reply.header(
        'set-cookie',
        setCookie(LOGIN_COOKIE, login.loginToken, { sameSite: 'Lax', maxAgeSec: login.maxAgeSec }),
      );
      return reply.redirect(login.location, 302);
    },
  );

  fastify.get(
    '/callback',
    {
      schema: {
        summary: "The identity provider's redirect back: signs the browser in",
        querystring: z.record(z.string(), z.unknown()),
        // A browser navigation: every outcome is a redirect, a failure to `/?signInError=…`.
        response: { 302: redirect },
      },
    },
    async (request, reply) => {
      const query = request.raw.url?.split('?')[1] ?? '';
      try {
        const { sessionToken, returnTo } = await sessions.finish(
          readCookie(request.headers.cookie, LOGIN_COOKIE),
          query,
        );
        // A sign-in in a browser that had a session ends that one: its cookie is replaced.
        const previous = sessionCookie(request);
        if (previous) await sessions.drop(previous);
        // Only the session's lifetime on the server bounds it; the cookie dies with the browser.
        reply.header('set-cookie', [
          clearCookie(LOGIN_COOKIE),
          setCookie(SESSION_COOKIE, sessionToken, { sameSite: 'Strict' }),
        ]);
        return reply.redirect(returnTo, 302);
      } catch (err) {
        const failed =
          err instanceof SignInFailedError
            ? err
            : new SignInFailedError('sign_in_failed', (err as Error).message);
        if (failed === err)
          request.log.warn({ code: failed.code, reason: failed.detail }, 'web sign-in failed');
        else request.log.error({ err }, 'web sign-in failed');
        reply.header('set-cookie', clearCookie(LOGIN_COOKIE));
        return reply.redirect(`/?signInError=${encodeURIComponent(failed.code)}`, 302);
      }
    },
  );

  fastify.get(
    '/session',
    {
      schema: {
        summary: 'Who is signed in to the web page, and the CSRF token for its calls',
        response: { 200: sessionSchema, 401: errorBodySchema, 503: errorBodySchema },
      },
      onRequest: fastify.authenticate,
    },
    async (request) => {
      const session = request.webSession;
      if (!session) throw new HttpError(401, 'UNAUTHENTICATED', 'not signed in to the web page');
      return {
        username: session.identity.username,
        isAdmin: session.identity.isAdmin,
        csrfToken: session.csrfToken,
        expiresAt: session.expiresAt,
      };
    },
  );

  fastify.post(
    '/logout',
    {
      schema: {
        summary: "Sign the web page out (then visit the provider's sign-out page, if any)",
        response: { 200: logoutSchema, 403: errorBodySchema },
      },
    },
    // Not through `authenticate`: signing out must work whatever state the session is in, and
    // whether or not the provider answers. Only the CSRF check, from the cookie alone.
    async (request, reply: FastifyReply) => {
      const token = sessionCookie(request);
      if (!token) return { endSessionUrl: null };
      if (!passesCsrf(request, token, sessions.origin(requestOrigin(request)))) {
        throw new HttpError(403, 'CSRF_FAILED', CSRF_MESSAGE);
      }
      const endSessionUrl = await sessions.end(token, requestOrigin(request));
      reply.header('set-cookie', clearCookie(SESSION_COOKIE));
      return { endSessionUrl };
    },
  );
};

export default authRoutes;
