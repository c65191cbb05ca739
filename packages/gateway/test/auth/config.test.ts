import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';

const system = {
  id: 'c',
  host: 'login.example.org',
  hostKey: 'insecure-accept-any',
  user: 'svc',
  privateKeyPath: '/k',
  userKeysDir: '/keys',
};
const parse = (auth: Record<string, unknown>, extra: Record<string, unknown> = {}) =>
  parseConfig({ auth, systems: [system], ...extra });
const keycloak = {
  issuer: 'https://kc.example.org/realms/hpc',
  discovery: true,
  audience: 'hpcgate',
  ownerClaim: 'preferred_username',
  adminClaim: 'groups',
  adminValue: 'hpcgate-admins',
};

describe('auth config', () => {
  it('takes a Keycloak realm by discovery, with safe defaults', () => {
    const { auth, rateLimit } = parse(keycloak);
    expect(auth).toMatchObject({
      ...keycloak,
      ownerFallbackClaim: 'sub',
      clockToleranceSec: 30,
      minRemainingSec: 10,
      jwksCacheMaxAgeSec: 600,
      jwksCooldownSec: 30,
      algorithms: ['RS256', 'PS256', 'ES256', 'EdDSA'],
    });
    expect(auth.introspection).toBeUndefined();
    expect(rateLimit).toBeUndefined();
  });

  it('defaults the owner to preferred_username (falling back to sub); nobody is admin unless configured', () => {
    const { auth } = parse({ issuer: 'x', audience: 'y', jwksFile: '/j' });
    expect(auth).toMatchObject({
      ownerClaim: 'preferred_username',
      ownerFallbackClaim: 'sub',
      adminClaim: 'groups',
    });
    expect(auth.adminValue).toBeUndefined();
    expect(
      parse({ issuer: 'x', audience: 'y', jwksFile: '/j', ownerFallbackClaim: null }).auth
        .ownerFallbackClaim,
    ).toBeNull();
  });

  it('takes exactly one key source', () => {
    const base = { issuer: 'https://kc.example.org/realms/hpc', audience: 'hpcgate' };
    expect(() => parse(base)).toThrowError(/exactly one of jwksFile or jwksUrl or discovery/);
    expect(() => parse({ ...base, discovery: true, jwksFile: '/j' })).toThrowError(/exactly one/);
    expect(() => parse({ ...base, jwksUrl: 'https://kc/certs', jwksFile: '/j' })).toThrowError(
      /exactly one/,
    );
    expect(() => parse({ ...base, discovery: false, jwksUrl: 'https://kc/certs' })).not.toThrow();
    expect(() => parse({ ...base, jwksUrl: 'file:///etc/jwks.json' })).toThrowError(/jwksUrl/);
  });

  it('discovery needs an http(s) issuer, also for introspection without an endpoint', () => {
    expect(() => parse({ issuer: 'kc', audience: 'a', discovery: true })).toThrowError(/issuer/);
    const introspection = { clientId: 'gw', clientSecret: 's' };
    expect(() =>
      parse({ issuer: 'kc', audience: 'a', jwksFile: '/j', introspection }),
    ).toThrowError(/issuer/);
    expect(
      parse({
        issuer: 'kc',
        audience: 'a',
        jwksFile: '/j',
        introspection: { ...introspection, endpoint: 'https://kc/introspect' },
      }).auth.introspection,
    ).toMatchObject({ endpoint: 'https://kc/introspect' });
    expect(() => parse({ ...keycloak, introspection: { clientId: 'gw' } })).toThrowError(
      /clientSecret/,
    );
  });

  it('refuses HS* and none: only asymmetric algorithms', () => {
    for (const alg of ['HS256', 'HS384', 'HS512', 'none', 'NONE', 'rs256']) {
      expect(() => parse({ ...keycloak, algorithms: ['ES256', alg] }), alg).toThrowError(
        /only asymmetric algorithms/,
      );
    }
    expect(() => parse({ ...keycloak, algorithms: [] })).toThrowError(/algorithms/);
    expect(parse({ ...keycloak, algorithms: ['RS256'] }).auth.algorithms).toEqual(['RS256']);
  });

  it('bounds skew and minimum lifetime', () => {
    expect(() => parse({ ...keycloak, clockToleranceSec: 3600 })).toThrowError(/clockToleranceSec/);
    expect(() => parse({ ...keycloak, minRemainingSec: -1 })).toThrowError(/minRemainingSec/);
    expect(parse({ ...keycloak, minRemainingSec: 30 }).auth.minRemainingSec).toBe(30);
  });
});

describe('rate limit config', () => {
  it('is off when absent, 600/min with a burst of 60 when given empty', () => {
    expect(parse(keycloak).rateLimit).toBeUndefined();
    expect(parse(keycloak, { rateLimit: {} }).rateLimit).toEqual({
      requestsPerMinute: 600,
      burst: 60,
    });
    expect(parse(keycloak, { rateLimit: { requestsPerMinute: 5 } }).rateLimit).toEqual({
      requestsPerMinute: 5,
      burst: 60,
    });
    expect(() => parse(keycloak, { rateLimit: { requestsPerMinute: 0 } })).toThrowError(
      /rateLimit/,
    );
  });
});
