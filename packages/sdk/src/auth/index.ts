export type { DeviceAuthorization, DeviceAuthorizationOptions } from './device.js';
export { deviceAuthorization } from './device.js';
export { decodeJwtClaims, tokenUsername } from './jwt.js';
export type { ClientCredentialsOptions, RefreshTokenOptions } from './providers.js';
export { clientCredentials, refreshToken, staticToken } from './providers.js';
export type { RevokeTokenOptions } from './revoke.js';
export { revokeToken } from './revoke.js';
export type {
  CachedTokenOptions,
  IdpFetch,
  IdpOptions,
  OidcTokenProvider,
  TokenProvider,
  TokenRequestOptions,
  Tokens,
} from './types.js';
