import type { FastifyRequest } from 'fastify';
import { readCookie, SESSION_COOKIE } from './cookies.js';

/** The origin the request was sent to, as the browser names it in `Origin`. */
export function requestOrigin(request: FastifyRequest): string {
  return `${request.protocol}://${request.host}`;
}

/** The web session cookie's token, when the request has a well-formed one. */
export function sessionCookie(request: FastifyRequest): string | undefined {
  return readCookie(request.headers.cookie, SESSION_COOKIE);
}
