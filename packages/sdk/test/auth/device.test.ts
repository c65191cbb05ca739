import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  AbortError,
  AuthenticationError,
  ConnectionError,
  deviceAuthorization,
  refreshToken,
  revokeToken,
} from '../../src/index.js';
import { claimsOf, closedPort } from './helpers.js';

let op: DevOidcProvider;
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0 });
});
afterAll(() => op.close());

describe('deviceAuthorization', () => {
  it('start, a person approves, wait() resolves to their tokens', async () => {
    const auth = await deviceAuthorization({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      scope: 'openid offline_access',
    });
    expect(auth.verificationUri).toBe(`${op.issuer}/device`);
    expect(auth.verificationUriComplete).toContain(encodeURIComponent(auth.userCode));
    expect(auth.userCode).toMatch(/^[A-Z]{4}-[A-Z]{4}$/);
    expect(auth.expiresIn).toBeGreaterThan(0);
    const waiting = auth.wait();
    await op.approveDevice(auth.userCode, 'alice');
    const tokens = await waiting;
    expect(claimsOf(tokens.accessToken)).toMatchObject({ preferred_username: 'alice' });
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect(tokens.expiresAt!.getTime()).toBeGreaterThan(Date.now());
    // wait() again: the same result, no second grant.
    expect(await auth.wait()).toBe(tokens);

    // The refresh token it gave keeps the person signed in; revoked, it no longer does.
    const provider = refreshToken({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      refreshToken: tokens.refreshToken!,
    });
    expect(claimsOf(await provider()).preferred_username).toBe('alice');
  }, 30_000);

  it('wait() stops on its signal', async () => {
    const auth = await deviceAuthorization({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
    });
    const controller = new AbortController();
    const waiting = auth.wait({ signal: controller.signal });
    setTimeout(() => controller.abort(), 50);
    await expect(waiting).rejects.toBeInstanceOf(AbortError);
  });

  it('an unreachable issuer is a ConnectionError', async () => {
    await expect(
      deviceAuthorization({
        issuer: `http://127.0.0.1:${await closedPort()}`,
        clientId: 'hpcgate-cli',
      }),
    ).rejects.toBeInstanceOf(ConnectionError);
  });

  it('an unknown client is an AuthenticationError', async () => {
    await expect(
      deviceAuthorization({ issuer: op.issuer, clientId: 'nobody' }),
    ).rejects.toBeInstanceOf(AuthenticationError);
  });
});

describe('revokeToken', () => {
  it('a revoked refresh token no longer works', async () => {
    const start = await op.tokenFor('alice');
    const clientId = op.deviceClient!.clientId;
    await revokeToken({
      issuer: op.issuer,
      clientId,
      token: start.refresh_token!,
      tokenTypeHint: 'refresh_token',
    });
    const provider = refreshToken({
      issuer: op.issuer,
      clientId,
      refreshToken: start.refresh_token!,
    });
    await expect(provider()).rejects.toBeInstanceOf(AuthenticationError);
  });
});
