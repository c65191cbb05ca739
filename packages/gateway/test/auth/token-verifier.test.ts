import { afterEach, describe, expect, it, vi } from 'vitest';
import { AuthenticationError, TokenVerifier } from '../../src/auth/token-verifier.js';
import { parseConfig } from '../../src/config/load.js';
import { paperSystem } from '../helpers/config-input.js';
import { createTestIssuer, TEST_AUDIENCE, TEST_ISSUER } from '../helpers/tokens.js';

// A verified JWT is remembered by its hash: its signature is checked once, its remaining
// lifetime at every use.

async function verifier(minRemainingSec = 60) {
  const issuer = await createTestIssuer();
  const config = parseConfig({
    auth: {
      issuer: TEST_ISSUER,
      audience: TEST_AUDIENCE,
      jwksFile: issuer.jwksFile,
      minRemainingSec,
    },
    systems: [paperSystem()],
  });
  return { issuer, verifier: new TokenVerifier(config.auth) };
}

afterEach(() => {
  vi.useRealTimers();
  vi.restoreAllMocks();
});

describe('TokenVerifier: verified JWTs', () => {
  it('checks a signature once per token, and every different token on its own', async () => {
    const { issuer, verifier: v } = await verifier();
    // biome-ignore lint/suspicious/noExplicitAny: the private step that checks the signature
    const checks = vi.spyOn(TokenVerifier.prototype as any, 'jwtVerifyAnyKey');
    const token = await issuer.token('alice');
    for (let i = 0; i < 5; i++) {
      expect((await v.verify(`Bearer ${token}`)).username).toBe('alice');
    }
    expect(checks).toHaveBeenCalledTimes(1);
    // One character changed in the signature: another token, checked, refused.
    const tampered = token.slice(0, -2) + (token.endsWith('AA') ? 'BB' : 'AA');
    await expect(v.verify(`Bearer ${tampered}`)).rejects.toBeInstanceOf(AuthenticationError);
    expect(checks).toHaveBeenCalledTimes(2);
  });

  it('a remembered token is refused once it has less than minRemainingSec left', async () => {
    const { issuer, verifier: v } = await verifier(60);
    const now = Date.now();
    const token = await issuer.token('alice', { exp: Math.floor(now / 1000) + 120 });
    vi.useFakeTimers({ now });
    expect((await v.verify(`Bearer ${token}`)).username).toBe('alice');
    vi.setSystemTime(now + 50_000);
    expect((await v.verify(`Bearer ${token}`)).username).toBe('alice');
    vi.setSystemTime(now + 61_000);
    await expect(v.verify(`Bearer ${token}`)).rejects.toThrow(/expires in less than 60 s/);
  });
});
