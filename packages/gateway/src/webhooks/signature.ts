import { createHmac, randomBytes } from 'node:crypto';

/**
 * `X-Hpcgate-Signature-256`: `sha256=` and the hex HMAC-SHA256 of the raw body keyed with the
 * subscription's secret, as GitHub signs its webhooks (receivers' libraries already verify it).
 */
export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

/** A secret for a subscription created without one: 256 random bits, 43 base64url characters. */
export function generateSecret(): string {
  return randomBytes(32).toString('base64url');
}
