import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { Configuration, JWK, KoaContextWithOIDC, ResourceServer } from 'oidc-provider';
import { errors } from 'oidc-provider';
import { DEVICE_CODE_GRANT, type DevOidcClient, type UserDirectory } from './accounts.js';
import {
  deviceConfirmPage,
  deviceInputPage,
  deviceSuccessPage,
  loggedOutPage,
  logoutPage,
} from './html.js';

export type SigningAlg = 'RS256' | 'ES256';

export interface ConfigInput {
  users: UserDirectory;
  clients: readonly DevOidcClient[];
  audience: string;
  /** The resource indicator that stands for the audience (RFC 8707 wants an absolute URI). */
  resource: string;
  accessTokenTtlSec: number;
  signingAlg: SigningAlg;
}

/** Scopes of the hpcgate API resource server; tokens carry them only when requested. */
export const RESOURCE_SCOPES = 'hpcgate';

/** A fresh signing key per start: tokens live in memory anyway, so they die with the process. */
function signingKey(alg: SigningAlg): JWK {
  const { privateKey } =
    alg === 'ES256'
      ? generateKeyPairSync('ec', { namedCurve: 'P-256' })
      : generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = `dev-${alg.toLowerCase()}-${randomBytes(4).toString('hex')}`;
  return { ...(privateKey.export({ format: 'jwk' }) as JWK), kid, alg, use: 'sig' };
}

function clientMetadata(client: DevOidcClient) {
  if (client.clientSecret !== undefined) {
    return {
      client_id: client.clientId,
      client_secret: client.clientSecret,
      grant_types: ['client_credentials'],
      response_types: [],
      redirect_uris: [],
      token_endpoint_auth_method: 'client_secret_basic' as const,
    };
  }
  if (client.redirectUris !== undefined) {
    return {
      client_id: client.clientId,
      // Native: loopback redirect URIs match on any port (see DevOidcClient).
      application_type: 'native' as const,
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code' as const],
      redirect_uris: client.redirectUris,
      post_logout_redirect_uris: client.redirectUris.map((uri) => new URL('/', uri).href),
      token_endpoint_auth_method: 'none' as const,
    };
  }
  return {
    client_id: client.clientId,
    grant_types: [DEVICE_CODE_GRANT, 'refresh_token'],
    response_types: [],
    redirect_uris: [],
    token_endpoint_auth_method: 'none' as const,
  };
}

export function buildConfiguration(input: ConfigInput): Configuration {
  const { users, audience, resource, accessTokenTtlSec, signingAlg } = input;
  const resourceServer: ResourceServer = {
    scope: RESOURCE_SCOPES,
    audience,
    accessTokenTTL: accessTokenTtlSec,
    accessTokenFormat: 'jwt',
    jwt: { sign: { alg: signingAlg } },
  };

  return {
    clients: input.clients.map(clientMetadata),
    jwks: { keys: [signingKey(signingAlg)] },
    clientDefaults: { id_token_signed_response_alg: signingAlg },
    cookies: { keys: [randomBytes(32).toString('hex')] },
    scopes: ['openid', 'offline_access', 'profile', 'groups'],
    claims: { openid: ['sub'], profile: ['preferred_username', 'name'], groups: ['groups'] },
    async findAccount(_ctx, sub) {
      const user = users.findById(sub);
      if (!user) return undefined;
      return {
        accountId: user.id,
        claims: () => ({
          sub: user.id,
          preferred_username: user.username,
          name: user.username,
          groups: user.groups ?? [],
        }),
      };
    },
    // The gateway reads identity from the access token itself, not from userinfo.
    async extraTokenClaims(_ctx, token) {
      if (token.kind === 'ClientCredentials') {
        return { preferred_username: token.clientId, groups: [] };
      }
      const user = token.accountId ? users.findById(token.accountId) : undefined;
      return user ? { preferred_username: user.username, groups: user.groups ?? [] } : undefined;
    },
    // First-party clients: grant whatever they asked for once the person has logged in,
    // so the only interaction is the login form.
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      const { oidc } = ctx;
      const account = oidc.account;
      const client = oidc.client;
      if (!account || !client || !oidc.session) return undefined;
      const existingId = oidc.session.grantIdFor(client.clientId);
      const grant =
        (existingId ? await oidc.provider.Grant.find(existingId) : undefined) ??
        new oidc.provider.Grant({ accountId: account.accountId, clientId: client.clientId });
      const oidcScopes = [...oidc.requestParamScopes].filter((s) =>
        ['openid', 'offline_access', 'profile', 'groups'].includes(s),
      );
      if (oidcScopes.length) grant.addOIDCScope(oidcScopes.join(' '));
      if (oidc.requestParamClaims.size) grant.addOIDCClaims([...oidc.requestParamClaims]);
      for (const indicator of Object.keys(oidc.resourceServers ?? {})) {
        grant.addResourceScope(indicator, RESOURCE_SCOPES);
      }
      await grant.save();
      return grant;
    },
    // Refresh tokens whenever the client may use them, offline_access or not, and they do
    // not die with the browser session the person used to approve the device.
    issueRefreshToken: (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: () => false,
    ttl: {
      AccessToken: accessTokenTtlSec,
      ClientCredentials: accessTokenTtlSec,
      DeviceCode: 600,
      Grant: 14 * 24 * 3600,
      IdToken: 3600,
      Interaction: 3600,
      RefreshToken: 14 * 24 * 3600,
      Session: 14 * 24 * 3600,
    },
    clientBasedCORS: () => true,
    features: {
      devInteractions: { enabled: false },
      clientCredentials: { enabled: true },
      introspection: { enabled: true },
      revocation: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.body = logoutPage(form, ctx.host);
        },
        postLogoutSuccessSource(ctx) {
          ctx.body = loggedOutPage();
        },
      },
      deviceFlow: {
        enabled: true,
        userCodeInputSource(ctx, form, _out, err) {
          ctx.body = deviceInputPage(
            form,
            err ? 'That code is wrong, used or expired.' : undefined,
          );
        },
        userCodeConfirmSource(ctx, form, client, _info, userCode) {
          ctx.body = deviceConfirmPage(form, client.clientId, userCode);
        },
        successSource(ctx) {
          ctx.body = deviceSuccessPage(ctx.oidc.client?.clientId ?? '');
        },
      },
      // JWT access tokens for the hpcgate audience, even when the client sends no
      // `resource` (defaultResource) and asks for `openid` (useGrantedResource).
      resourceIndicators: {
        enabled: true,
        defaultResource: (_ctx, _client, oneOf) =>
          oneOf?.length ? (oneOf[0] as string) : resource,
        useGrantedResource: () => true,
        getResourceServerInfo(_ctx, indicator) {
          if (indicator !== resource) throw new errors.InvalidTarget();
          return resourceServer;
        },
      },
    },
  };
}
