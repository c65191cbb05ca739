import { createServer, type RequestListener } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import {
  DEMO_CLIENTS,
  DEMO_USERS,
  type DevOidcClient,
  type DevOidcUser,
  UserDirectory,
} from './accounts.js';
import { buildConfiguration, type SigningAlg } from './config.js';
import { approveDevice, type TokenResponse, tokenFor } from './device.js';
import { handleInteraction } from './interactions.js';

export interface DevOidcOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: '127.0.0.1';
  users?: DevOidcUser[];
  /** With a secret: client_credentials; without: device flow + refresh tokens. */
  clients?: DevOidcClient[];
  /** The access tokens' `aud`. Default 'hpcgate'. */
  audience?: string;
  accessTokenTtlSec?: number;
  signingAlg?: SigningAlg;
}

export interface DevOidcProvider {
  /** e.g. http://127.0.0.1:8081 — discovery is at `${issuer}/.well-known/openid-configuration`. */
  readonly issuer: string;
  readonly audience: string;
  /** Resource indicator (RFC 8707) standing for the audience; clients need not send it. */
  readonly resource: string;
  readonly jwksUri: string;
  readonly tokenEndpoint: string;
  readonly deviceAuthorizationEndpoint: string;
  readonly users: readonly DevOidcUser[];
  readonly clients: readonly DevOidcClient[];
  /** First client with a secret (client_credentials), e.g. hpcgate-automation. */
  readonly machineClient: { clientId: string; clientSecret: string } | undefined;
  /** First public client (device flow), e.g. hpcgate-cli. */
  readonly deviceClient: { clientId: string } | undefined;
  /** First web client (authorization code with PKCE), e.g. hpcgate-web. */
  readonly webClient: { clientId: string } | undefined;
  /** Approves a pending device authorization as `username`, through the provider's own pages. */
  approveDevice(userCode: string, username: string): Promise<void>;
  /** A token set for `username` from a real device-code grant of the device client. */
  tokenFor(username: string, opts?: { scope?: string }): Promise<TokenResponse>;
  close(): Promise<void>;
}

export async function startDevOidcProvider(options: DevOidcOptions = {}): Promise<DevOidcProvider> {
  const host = options.host ?? '127.0.0.1';
  const users = options.users ?? [...DEMO_USERS];
  const clients = options.clients ?? [...DEMO_CLIENTS];
  const audience = options.audience ?? 'hpcgate';
  const directory = new UserDirectory(users);

  // The issuer names the port, so listen first and attach the provider once it is known.
  let handler: RequestListener = (_req, res) => {
    res.statusCode = 503;
    res.end();
  };
  const server = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;
  const resource = URL.canParse(audience) ? audience : `urn:hpcgate:audience:${audience}`;

  const provider = new Provider(
    issuer,
    buildConfiguration({
      users: directory,
      clients,
      audience,
      resource,
      accessTokenTtlSec: options.accessTokenTtlSec ?? 3600,
      signingAlg: options.signingAlg ?? 'RS256',
    }),
  );
  allowLoopbackLogoutOnAnyPort(provider);
  const providerCallback = provider.callback();
  const env = {
    provider,
    users: directory,
    demoUsernames: options.users ? [] : users.map((u) => u.username),
  };
  handler = (req, res) => {
    handleInteraction(env, req, res)
      .then((handled) => {
        if (!handled) providerCallback(req, res);
      })
      .catch((err: unknown) => {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`interaction failed: ${err instanceof Error ? err.message : String(err)}`);
      });
  };

  const machine = clients.find((c) => c.clientSecret !== undefined);
  const device = clients.find((c) => c.clientSecret === undefined && !c.redirectUris);
  const web = clients.find((c) => c.redirectUris !== undefined);
  return {
    issuer,
    audience,
    resource,
    jwksUri: `${issuer}/jwks`,
    tokenEndpoint: `${issuer}/token`,
    deviceAuthorizationEndpoint: `${issuer}/device/auth`,
    users,
    clients,
    machineClient: machine && { clientId: machine.clientId, clientSecret: machine.clientSecret! },
    deviceClient: device && { clientId: device.clientId },
    webClient: web && { clientId: web.clientId },
    approveDevice: (userCode, username) => approveDevice(issuer, directory, userCode, username),
    tokenFor(username, opts) {
      if (!device) throw new Error('tokenFor needs a public (device flow) client');
      return tokenFor(issuer, directory, device.clientId, username, opts?.scope);
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      }),
  };
}

/**
 * oidc-provider matches loopback redirect URIs of native clients on any port, but post-logout
 * redirect URIs only exactly; the web client's gateway listens on a port chosen at run time, so
 * this dev provider extends the same loopback rule to them.
 */
function allowLoopbackLogoutOnAnyPort(provider: Provider): void {
  const proto = provider.Client.prototype as unknown as {
    applicationType: string;
    postLogoutRedirectUris?: string[];
    postLogoutRedirectUriAllowed(value: string): boolean;
  };
  const exact = proto.postLogoutRedirectUriAllowed;
  proto.postLogoutRedirectUriAllowed = function (this: typeof proto, value: string) {
    if (exact.call(this, value)) return true;
    const asked = parseUrl(value);
    if (this.applicationType !== 'native' || asked?.protocol !== 'http:') return false;
    if (!LOOPBACKS.has(asked.hostname)) return false;
    asked.port = '';
    return (this.postLogoutRedirectUris ?? []).some((uri) => {
      const allowed = parseUrl(uri);
      if (!allowed) return false;
      allowed.port = '';
      return allowed.href === asked.href;
    });
  };
}

const LOOPBACKS = new Set(['127.0.0.1', '[::1]']);

function parseUrl(value: string): URL | undefined {
  return URL.canParse(value) ? new URL(value) : undefined;
}
