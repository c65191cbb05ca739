import type { FastifyRequest } from 'fastify';
import { csrfTokenFor, sameSecret } from './session-secrets.js';

/**
 * A cookie rides along with any request to the gateway, whoever made the browser send it; only
 * the page can read the session's CSRF token (from /auth/session, same-origin) and send it back
 * as `x-csrf-token`. The origin checks refuse cross-site requests outright where the browser says
 * where they came from.
 */
export function passesCsrf(request: FastifyRequest, sessionToken: string, origin: string): boolean {
  const sent = request.headers['x-csrf-token'];
  const from = request.headers.origin;
  const site = request.headers['sec-fetch-site'];
  return (
    typeof sent === 'string' &&
    sameSecret(sent, csrfTokenFor(sessionToken)) &&
    (from === undefined || from === origin) &&
    (site === undefined || site === 'same-origin')
  );
}

export const CSRF_MESSAGE =
  'a request with the web session cookie must come from the gateway page and carry its x-csrf-token header';
