/** The token is missing or not acceptable: 401. The message never contains the token. */
export class AuthenticationError extends Error {
  override name = 'AuthenticationError';
}

/**
 * The token could not be checked because the identity provider (discovery document, JWKS or
 * introspection endpoint) could not be reached or answered nonsense: 503, the client may retry.
 * `message` is shown to the client; `detail` (which may name internal URLs) only goes to the log.
 */
export class AuthUnavailableError extends Error {
  override name = 'AuthUnavailableError';
  constructor(readonly detail: string) {
    super('the identity provider cannot be reached to verify the token; try again later');
  }
}
