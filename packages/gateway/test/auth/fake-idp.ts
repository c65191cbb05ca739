import { createHmac } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import {
  type CryptoKey,
  exportJWK,
  exportSPKI,
  generateKeyPair,
  type JWK,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { buildApp } from '../../src/app.js';
import { parseConfig } from '../../src/config/load.js';
import type { GatewayConfigInput } from '../../src/config/schema.js';
import { sandboxSystem } from '../helpers/sandbox-config.js';

export const AUDIENCE = 'hpcgate';
export const INTROSPECTION_CLIENT = { clientId: 'hpcgate-gw', clientSecret: 's3cret:+/ ü' };

interface SigningKey {
  kid: string;
  privateKey: CryptoKey;
  publicKey: CryptoKey;
  jwk: JWK;
}

async function newKey(kid: string): Promise<SigningKey> {
  const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  return { kid, privateKey, publicKey, jwk };
}

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

export interface TestProvider {
  /** `http://127.0.0.1:<port>`: the issuer, and where its discovery document is served. */
  issuer: string;
  /** Requests each endpoint received. */
  hits: { discovery: number; jwks: number; introspection: number };
  /** What /jwks does: answer (200), answer with this status, or never answer. */
  jwksMode: 'ok' | 500 | 'hang';
  /** Opaque token → introspection answer (unknown tokens: `{ active: false }`). */
  introspection: Map<string, Record<string, unknown>>;
  /** Basic credentials the introspection endpoint accepts. */
  introspectionClient: { clientId: string; clientSecret: string };
  /** A valid token signed by the served key: preferred_username `user`, sub `sub-<user>`. */
  token(user: string, claims?: JWTPayload, kid?: string): Promise<string>;
  /** A token with exactly these claims (iss, aud, exp filled in unless given). */
  sign(claims: JWTPayload, kid?: string): Promise<string>;
  /** Adds a key to the served JWKS (key rotation). */
  addKey(kid: string): Promise<void>;
  /** Hostile and broken tokens, all claiming to be `user`. */
  bad(user: string): Promise<Record<string, string>>;
  /** Stops listening (connections refused) / listens again on the same port. */
  down(): Promise<void>;
  up(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A FAKE identity provider for unit tests of the gateway's token checks (the logic above the
 * provider): a discovery document, a JWKS it can break on purpose, and RFC 7662 introspection, on
 * 127.0.0.1. The real provider (oidc-provider, @hpcgate/dev-oidc) is tested end to end in
 * test/auth of the e2e package.
 */
export async function startProvider(): Promise<TestProvider> {
  const keys = new Map<string, SigningKey>();
  const first = await newKey('k1');
  keys.set('k1', first);
  const served = new Set(['k1']);
  let port = 0;
  const sockets = new Set<import('node:net').Socket>();

  const handle = async (req: IncomingMessage, res: ServerResponse) => {
    const json = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    const url = new URL(req.url ?? '/', provider.issuer);
    if (req.method === 'GET' && url.pathname === '/.well-known/openid-configuration') {
      provider.hits.discovery++;
      return json(200, {
        issuer: provider.issuer,
        jwks_uri: `${provider.issuer}/jwks`,
        introspection_endpoint: `${provider.issuer}/introspect`,
        id_token_signing_alg_values_supported: ['ES256'],
      });
    }
    if (req.method === 'GET' && url.pathname === '/jwks') {
      provider.hits.jwks++;
      if (provider.jwksMode === 'hang') return; // never answers
      if (provider.jwksMode !== 'ok') return json(provider.jwksMode, { error: 'down' });
      return json(200, { keys: [...served].map((kid) => keys.get(kid)!.jwk) });
    }
    if (req.method === 'POST' && url.pathname === '/introspect') {
      provider.hits.introspection++;
      const { clientId, clientSecret } = provider.introspectionClient;
      const form = (s: string) => new URLSearchParams({ v: s }).toString().slice(2);
      const expected = `Basic ${Buffer.from(`${form(clientId)}:${form(clientSecret)}`).toString('base64')}`;
      if (req.headers.authorization !== expected) return json(401, { error: 'invalid_client' });
      let body = '';
      for await (const chunk of req) body += chunk;
      const params = new URLSearchParams(body);
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') {
        return json(400, { error: 'invalid_request' });
      }
      return json(200, provider.introspection.get(params.get('token') ?? '') ?? { active: false });
    }
    json(404, { error: 'not found' });
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch(() => res.destroy());
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  const listen = () =>
    new Promise<void>((resolve) => {
      server.listen(port, '127.0.0.1', () => {
        port = (server.address() as AddressInfo).port;
        resolve();
      });
    });
  const stop = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      for (const s of sockets) s.destroy();
    });
  await listen();

  const sign = async (claims: JWTPayload, kid = 'k1', key?: SigningKey) => {
    const now = Math.floor(Date.now() / 1000);
    const k = key ?? keys.get(kid)!;
    return new SignJWT({
      iss: provider.issuer,
      aud: AUDIENCE,
      iat: now,
      exp: now + 600,
      ...claims,
    })
      .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
      .sign(k.privateKey);
  };

  const provider: TestProvider = {
    issuer: `http://127.0.0.1:${port}`,
    hits: { discovery: 0, jwks: 0, introspection: 0 },
    jwksMode: 'ok',
    introspection: new Map(),
    introspectionClient: { ...INTROSPECTION_CLIENT },
    token: (user, claims = {}, kid = 'k1') =>
      sign({ preferred_username: user, sub: `sub-${user}`, ...claims }, kid),
    sign,
    async addKey(kid) {
      keys.set(kid, await newKey(kid));
      served.add(kid);
    },
    async bad(user) {
      const now = Math.floor(Date.now() / 1000);
      const claims = { preferred_username: user, sub: `sub-${user}` };
      const full = { iss: provider.issuer, aud: AUDIENCE, iat: now, exp: now + 600, ...claims };
      const attacker = await newKey('k1');
      const stranger = await newKey('unknown-kid');
      const valid = await sign(claims);
      const [h, , s] = valid.split('.');
      const pem = await exportSPKI(first.publicKey);
      const hsHeader = b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' });
      const hsSigned = `${hsHeader}.${b64(full)}`;
      return {
        'signed by another key with the same kid': await sign(claims, 'k1', attacker),
        'signed by a key nobody published': await sign(claims, 'unknown-kid', stranger),
        'alg none': `${b64({ alg: 'none', typ: 'JWT' })}.${b64(full)}.`,
        'alg none with a kid': `${b64({ alg: 'none', kid: 'k1' })}.${b64(full)}.`,
        'HS256 keyed with the public key (PEM)': `${hsSigned}.${createHmac('sha256', pem)
          .update(hsSigned)
          .digest('base64url')}`,
        'HS256 keyed with the public JWK': `${hsSigned}.${createHmac(
          'sha256',
          JSON.stringify(first.jwk),
        )
          .update(hsSigned)
          .digest('base64url')}`,
        expired: await sign({ ...claims, iat: now - 7200, exp: now - 3600 }),
        'expired beyond the skew': await sign({ ...claims, iat: now - 600, exp: now - 45 }),
        'not yet valid (nbf in an hour)': await sign({ ...claims, nbf: now + 3600 }),
        'wrong issuer': await sign({ ...claims, iss: 'https://evil.example' }),
        'wrong audience': await sign({ ...claims, aud: 'someone-else' }),
        'no audience': await sign({ ...claims, aud: undefined }),
        'no exp': await sign({ ...claims, exp: undefined }),
        'too little lifetime left (5 s)': await sign({ ...claims, exp: now + 5 }),
        'tampered payload': `${h}.${b64({ ...full, preferred_username: `${user}-x` })}.${s}`,
        'signature stripped': `${h}.${b64(full)}.`,
        'no owner claim': await sign({ preferred_username: undefined, sub: undefined }),
        'owner claim not a string': await sign({ ...claims, preferred_username: ['a', 'b'] }),
        'opaque token without introspection': 'opaque-token-nobody-knows',
      };
    },
    async down() {
      await stop();
    },
    async up() {
      await listen();
    },
    async close() {
      if (server.listening) await stop();
    },
  };
  return provider;
}

/** A gateway on the sandbox cluster whose auth settings point at `provider` by discovery. */
export async function startGateway(
  provider: TestProvider,
  overrides: { auth?: Partial<NonNullable<GatewayConfigInput['auth']>> } & Pick<
    GatewayConfigInput,
    'rateLimit'
  > = {},
  fastifyOptions: FastifyServerOptions = {},
): Promise<FastifyInstance> {
  const config = parseConfig({
    logLevel: 'silent',
    auth: {
      issuer: provider.issuer,
      audience: AUDIENCE,
      discovery: true,
      ...overrides.auth,
    },
    ...(overrides.rateLimit ? { rateLimit: overrides.rateLimit } : {}),
    store: { sqlitePath: ':memory:' },
    systems: [sandboxSystem()],
  });
  return buildApp(config, fastifyOptions);
}
