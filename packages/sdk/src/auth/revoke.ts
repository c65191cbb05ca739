import { IdpClient } from './idp.js';
import type { IdpOptions } from './types.js';

export interface RevokeTokenOptions extends IdpOptions {
  token: string;
  tokenTypeHint?: 'refresh_token' | 'access_token';
  clientSecret?: string;
}

/** RFC 7009 token revocation, e.g. of a refresh token when signing out. */
export async function revokeToken(options: RevokeTokenOptions): Promise<void> {
  const idp = new IdpClient(options);
  const parameters: Record<string, string> = {};
  if (options.tokenTypeHint) parameters.token_type_hint = options.tokenTypeHint;
  await idp.call(
    (oc, config) => oc.tokenRevocation(config, options.token, parameters),
    [options.token],
  );
}
