import {
  AbortError,
  APIError,
  AuthenticationError,
  BadRequestError,
  ConnectionError,
  HpcgateError,
  InvalidResponseError,
  ServerError,
  TimeoutError,
} from '../core/errors.js';

/** OAuth error codes that mean "these credentials or this grant are no good". */
const AUTHENTICATION_CODES = new Set([
  'invalid_client',
  'invalid_grant',
  'unauthorized_client',
  'access_denied',
  'expired_token',
  'invalid_token',
]);
/** OAuth error codes that mean "the request itself is wrong" (scope, parameters…). */
const BAD_REQUEST_CODES = new Set([
  'invalid_request',
  'invalid_scope',
  'invalid_target',
  'unsupported_grant_type',
]);

const EXPLANATION: Record<string, string> = {
  invalid_client: 'the identity provider does not accept this client id or secret',
  invalid_grant: 'the identity provider refused the grant (expired, revoked or already used)',
  unauthorized_client: 'this client may not use this grant at the identity provider',
  access_denied: 'the sign-in was denied',
  expired_token: 'the device code expired before the sign-in was approved',
  invalid_scope: 'the identity provider refused the requested scope',
};

interface OAuthLikeError {
  name?: string;
  code?: string;
  error?: string;
  error_description?: string;
  status?: number;
  cause?: unknown;
  message?: string;
}

/**
 * Maps whatever openid-client (or fetch) threw to the SDK's hierarchy:
 * AuthenticationError for refused credentials or grants, BadRequestError for a refused request,
 * ConnectionError / TimeoutError when the issuer cannot be reached, ServerError for its 5xx.
 * `secrets` (client secret, refresh token…) are cut out of every message, whatever the
 * identity provider echoed.
 */
export function toIdpError(err: unknown, issuer: URL, secrets: readonly string[]): HpcgateError {
  if (err instanceof HpcgateError) return err;
  const e = (typeof err === 'object' && err !== null ? err : {}) as OAuthLikeError;
  const where = issuer.origin;
  const redact = (text: string) =>
    secrets.reduce((t, s) => (s.length >= 4 ? t.split(s).join('[redacted]') : t), text);

  // An OAuth error answer: in the body (400/401) or in WWW-Authenticate (401 with Basic).
  const oauth = oauthError(e);
  if (oauth) {
    const status = e.status ?? 400;
    const description = oauth.description ? `: ${oauth.description.slice(0, 200)}` : '';
    const base = EXPLANATION[oauth.code] ?? 'the identity provider refused the request';
    const message = redact(`${base} (${oauth.code}${description})`);
    const details = { error: oauth.code, issuer: where };
    if (AUTHENTICATION_CODES.has(oauth.code)) {
      return new AuthenticationError(status, oauth.code, message, details, {});
    }
    if (BAD_REQUEST_CODES.has(oauth.code)) {
      return new BadRequestError(status, oauth.code, message, details, {});
    }
    if (status >= 500) return new ServerError(status, oauth.code, message, details, {});
    return new APIError(status, oauth.code, message, details, {});
  }

  if (e.name === 'AbortError')
    return new AbortError('the request to the identity provider was aborted');
  if (e.name === 'TimeoutError') {
    return new TimeoutError(`the identity provider at ${where} did not answer in time`);
  }
  // fetch() itself failed: refused, reset, DNS, TLS…
  if (err instanceof TypeError && e.message === 'fetch failed') {
    return new ConnectionError(`cannot reach the identity provider at ${where}: ${causeCode(e)}`);
  }
  switch (e.code) {
    case 'OAUTH_HTTP_REQUEST_FORBIDDEN':
      return new HpcgateError(
        `the issuer ${where} must use https (plain http is allowed for loopback addresses only, or with allowInsecureRequests)`,
      );
    case 'OAUTH_RESPONSE_IS_NOT_CONFORM':
    case 'OAUTH_RESPONSE_IS_NOT_JSON': {
      const status = responseStatus(e.cause);
      if (status !== undefined && status >= 500) {
        return new ServerError(
          status,
          `HTTP_${status}`,
          `the identity provider at ${where} answered HTTP ${status}`,
          undefined,
          {},
        );
      }
      return new InvalidResponseError(
        `unexpected answer from the identity provider at ${where}${status ? ` (HTTP ${status})` : ''}: is ${issuer.href} an OpenID Connect issuer?`,
      );
    }
    case 'OAUTH_JSON_ATTRIBUTE_COMPARISON':
      return new InvalidResponseError(
        `the discovery document at ${where} names another issuer than ${issuer.href}`,
      );
  }
  return new HpcgateError(redact(`identity provider error: ${e.message ?? String(err)}`));
}

function oauthError(e: OAuthLikeError): { code: string; description?: string } | undefined {
  if (typeof e.error === 'string' && e.error) {
    return { code: e.error, description: e.error_description };
  }
  if (e.code === 'OAUTH_WWW_AUTHENTICATE_CHALLENGE' && Array.isArray(e.cause)) {
    for (const challenge of e.cause as { parameters?: Record<string, string> }[]) {
      const code = challenge.parameters?.error;
      if (code) return { code, description: challenge.parameters?.error_description };
    }
    // A bare challenge to the client's own authentication means the credentials were refused.
    return { code: 'invalid_client' };
  }
  return undefined;
}

function responseStatus(cause: unknown): number | undefined {
  const status = (cause as { status?: unknown } | undefined)?.status;
  return typeof status === 'number' ? status : undefined;
}

/** ECONNREFUSED and friends, from undici's error chain. */
function causeCode(e: OAuthLikeError): string {
  let cause: unknown = e.cause;
  for (let depth = 0; depth < 4 && cause; depth++) {
    const c = cause as { code?: unknown; errors?: unknown[]; cause?: unknown; message?: string };
    if (typeof c.code === 'string') return c.code;
    if (Array.isArray(c.errors) && c.errors.length) cause = c.errors[0];
    else if (c.cause) cause = c.cause;
    else return c.message ?? 'fetch failed';
  }
  return 'fetch failed';
}
