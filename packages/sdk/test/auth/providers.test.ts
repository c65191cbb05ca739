import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  ConnectionError,
  clientCredentials,
  decodeJwtClaims,
  HpcgateError,
  refreshToken,
  staticToken,
  type Tokens,
} from '../../src/index.js';
import { claimsOf, closedPort, countingFetch } from './helpers.js';

// A real OpenID provider (oidc-provider) on a loopback port; nothing is faked.
let op: DevOidcProvider;
let machine: { clientId: string; clientSecret: string };
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0 });
  machine = op.machineClient!;
});
afterAll(() => op.close());

describe('staticToken', () => {
  it('returns the token it was given, every time', async () => {
    const provider = staticToken('abc');
    expect(await provider()).toBe('abc');
    expect(await provider({ rejected: 'abc' })).toBe('abc');
    expect(() => staticToken('')).toThrow(HpcgateError);
  });
});

describe('clientCredentials', () => {
  it('gets a JWT for the client from the provider, and caches it', async () => {
    const fetch = countingFetch();
    const provider = clientCredentials({ issuer: op.issuer, ...machine, fetch });
    const token = await provider();
    expect(claimsOf(token)).toMatchObject({
      preferred_username: machine.clientId,
      aud: op.audience,
      iss: op.issuer,
    });
    expect(await provider()).toBe(token);
    expect(fetch.count('/token')).toBe(1);
    // Discovery happened once as well.
    expect(fetch.count('/.well-known/openid-configuration')).toBe(1);
  });

  it('reports each new token set to onToken', async () => {
    const seen: Tokens[] = [];
    const provider = clientCredentials({
      issuer: op.issuer,
      ...machine,
      onToken: (t) => {
        seen.push(t);
      },
    });
    const token = await provider();
    expect(seen).toHaveLength(1);
    expect(seen[0]?.accessToken).toBe(token);
    expect(seen[0]?.expiresAt?.getTime()).toBeGreaterThan(Date.now() + 3000_000);
  });

  it('a wrong secret is an AuthenticationError that does not contain the secret', async () => {
    const secret = 'a-wrong-secret-value';
    const provider = clientCredentials({
      issuer: op.issuer,
      clientId: machine.clientId,
      clientSecret: secret,
    });
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('invalid_client');
    expect(String((err as Error).message)).not.toContain(secret);
    expect(JSON.stringify(err)).not.toContain(secret);
  });

  it('an unreachable issuer is a ConnectionError', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const provider = clientCredentials({ issuer, ...machine });
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectionError);
    expect((err as Error).message).toBe(
      `cannot reach the identity provider at ${issuer}: ECONNREFUSED`,
    );
    expect((err as Error).message).not.toContain(machine.clientSecret);
  });

  it('refuses plain http for an issuer that is not on loopback', async () => {
    const provider = clientCredentials({ issuer: 'http://idp.example.org', ...machine });
    await expect(provider()).rejects.toThrow(/must use https/);
  });

  it('20 concurrent calls on a cold cache send ONE token request', async () => {
    const fetch = countingFetch();
    const provider = clientCredentials({ issuer: op.issuer, ...machine, fetch });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider()));
    expect(new Set(tokens).size).toBe(1);
    expect(fetch.count('/token')).toBe(1);
    expect(fetch.count('/.well-known/openid-configuration')).toBe(1);
  });
});

describe('expiry', () => {
  let shortLived: DevOidcProvider;
  beforeAll(async () => {
    // 5 s: short enough to see expire, long enough that a loaded machine uses a token fresh.
    shortLived = await startDevOidcProvider({ port: 0, accessTokenTtlSec: 5 });
  });
  afterAll(() => shortLived.close());

  it('renews the access token shortly before it expires; 20 callers then share ONE request', async () => {
    const fetch = countingFetch();
    const provider = clientCredentials({
      issuer: shortLived.issuer,
      ...shortLived.machineClient!,
      fetch,
    });
    const first = await provider();
    expect(await provider()).toBe(first);
    // 10 % of a 5 s lifetime: renewed from 4.5 s on.
    await new Promise((r) => setTimeout(r, 4600));
    const renewed = await Promise.all(Array.from({ length: 20 }, () => provider()));
    expect(new Set(renewed).size).toBe(1);
    expect(renewed[0]).not.toBe(first);
    expect(fetch.count('/token')).toBe(2);
  });

  it('uses a token it was handed until it expires (no request), then gets a new one', async () => {
    const fetch = countingFetch();
    const held = await clientCredentials({
      issuer: shortLived.issuer,
      ...shortLived.machineClient!,
    })();
    const provider = clientCredentials({
      issuer: shortLived.issuer,
      ...shortLived.machineClient!,
      fetch,
      accessToken: held,
      accessTokenExpiresAt: new Date(Number(decodeJwtClaims(held)?.exp) * 1000),
    });
    expect(provider.cached()).toBe(held);
    expect(await provider()).toBe(held);
    expect(fetch.count('/token')).toBe(0);
    await new Promise((r) => setTimeout(r, 5000));
    expect(provider.cached()).toBeUndefined();
    expect(await provider()).not.toBe(held);
    expect(fetch.count('/token')).toBe(1);
  });

  it('{ rejected } forces one renewal, shared by concurrent callers', async () => {
    const fetch = countingFetch();
    const provider = clientCredentials({ issuer: op.issuer, ...machine, fetch });
    const first = await provider();
    const again = await Promise.all(Array.from({ length: 5 }, () => provider({ rejected: first })));
    expect(new Set(again).size).toBe(1);
    expect(again[0]).not.toBe(first);
    // A caller still holding the old, rejected token gets the new one without a new request.
    expect(await provider({ rejected: first })).toBe(again[0]);
    expect(fetch.count('/token')).toBe(2);
  });
});

describe('refreshToken', () => {
  it('refreshes, calls onRotate with the rotated refresh token, and uses that one next', async () => {
    const start = await op.tokenFor('alice');
    const rotations: (Tokens & { refreshToken: string })[] = [];
    const fetch = countingFetch();
    const provider = refreshToken({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      refreshToken: start.refresh_token!,
      fetch,
      onRotate: (t) => {
        rotations.push(t);
      },
    });
    const token = await provider();
    expect(token).not.toBe(start.access_token);
    expect(claimsOf(token)).toMatchObject({ preferred_username: 'alice' });
    expect(rotations).toHaveLength(1);
    expect(rotations[0]?.accessToken).toBe(token);
    expect(rotations[0]?.refreshToken).toEqual(expect.any(String));
    expect(rotations[0]?.refreshToken).not.toBe(start.refresh_token);

    // Forced renewal: the rotated refresh token works (the first one is spent).
    const next = await provider({ rejected: token });
    expect(next).not.toBe(token);
    expect(rotations).toHaveLength(2);
    expect(rotations[1]?.refreshToken).not.toBe(rotations[0]?.refreshToken);
    expect(fetch.count('/token')).toBe(2);
  });

  it('20 concurrent calls on a cold cache send ONE refresh (a rotated token is single-use)', async () => {
    const start = await op.tokenFor('bob');
    const fetch = countingFetch();
    let rotations = 0;
    const provider = refreshToken({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      refreshToken: start.refresh_token!,
      fetch,
      onRotate: () => {
        rotations++;
      },
    });
    const tokens = await Promise.all(Array.from({ length: 20 }, () => provider()));
    expect(new Set(tokens).size).toBe(1);
    expect(claimsOf(tokens[0]!).preferred_username).toBe('bob');
    expect(fetch.count('/token')).toBe(1);
    expect(rotations).toBe(1);
  });

  it('an invalid refresh token is an AuthenticationError that does not contain it', async () => {
    const bogus = 'not-a-refresh-token-0123456789';
    const provider = refreshToken({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      refreshToken: bogus,
    });
    const err = await provider().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('invalid_grant');
    expect((err as Error).message).not.toContain(bogus);
  });
});
