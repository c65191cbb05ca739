import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCookie, SESSION_COOKIE, setCookie } from '../../src/web/cookies.js';
import { safeReturnTo } from '../../src/web/return-to.js';
import { csrfTokenFor, newToken, seal, tokenHash, unseal } from '../../src/web/session-secrets.js';
import { pickEncoding, StaticAssets } from '../../src/web/static-assets.js';

describe('session secrets', () => {
  it('open only with the token they were sealed with', () => {
    const token = newToken();
    const sealed = seal(token, { accessToken: 'secret-access-token' });
    expect(sealed).not.toContain('secret-access-token');
    expect(unseal(token, sealed)).toEqual({ accessToken: 'secret-access-token' });
    expect(unseal(newToken(), sealed)).toBeUndefined();
    const [iv, tag, body] = sealed.split('.');
    expect(unseal(token, `${iv}.${tag}.${body?.slice(0, -2)}AA`)).toBeUndefined();
    expect(unseal(token, 'garbage')).toBeUndefined();
  });

  it('hash and CSRF token are stable per token and reveal nothing of it', () => {
    const token = newToken();
    expect(tokenHash(token)).toBe(tokenHash(token));
    expect(tokenHash(token)).not.toContain(token);
    expect(csrfTokenFor(token)).toBe(csrfTokenFor(token));
    expect(csrfTokenFor(token)).not.toBe(csrfTokenFor(newToken()));
    expect(csrfTokenFor(token)).not.toBe(tokenHash(token));
  });
});

describe('cookies', () => {
  it('reads only well-formed tokens of the named cookie', () => {
    const token = newToken();
    expect(readCookie(`a=b; ${SESSION_COOKIE}=${token}; c=d`, SESSION_COOKIE)).toBe(token);
    expect(readCookie(`${SESSION_COOKIE}=short`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(`${SESSION_COOKIE}=${token}%00`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(`x${SESSION_COOKIE}=${token}`, SESSION_COOKIE)).toBeUndefined();
    expect(readCookie(undefined, SESSION_COOKIE)).toBeUndefined();
  });

  it('are always HttpOnly, Secure and host-only', () => {
    expect(setCookie(SESSION_COOKIE, 'v', { sameSite: 'Strict' })).toBe(
      `${SESSION_COOKIE}=v; Path=/; HttpOnly; Secure; SameSite=Strict`,
    );
  });
});

describe('returnTo', () => {
  it('keeps paths of the gateway and turns everything else into /', () => {
    expect(safeReturnTo('/jobs/1?status=RUNNING')).toBe('/jobs/1?status=RUNNING');
    for (const away of [
      '//evil.example',
      '/\\evil.example',
      'https://evil.example',
      'javascript:alert(1)',
      '/x\ny',
      '/a\\b',
      'x'.repeat(3000),
      undefined,
      42,
    ]) {
      expect(safeReturnTo(away)).toBe('/');
    }
  });
});

describe('static assets', () => {
  it('are read at boot, compressed once, and need an index.html', () => {
    const dir = mkdtempSync(join(tmpdir(), 'hpcgate-assets-'));
    expect(() => new StaticAssets(dir)).toThrow(/not built/);
    mkdirSync(join(dir, 'assets'));
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'assets', 'a-1.js'), 'x'.repeat(4096));
    const assets = new StaticAssets(dir);
    expect(assets.paths().sort()).toEqual(['/assets/a-1.js', '/index.html']);
    const js = assets.get('/assets/a-1.js')!;
    expect(js.immutable).toBe(true);
    expect(js.type).toMatch(/javascript/);
    expect(assets.index.immutable).toBe(false);
    expect(assets.get('/../index.html')).toBeUndefined();
    expect(pickEncoding(js, 'gzip, deflate, br')).toBe('br');
    expect(pickEncoding(js, 'gzip')).toBe('gzip');
    expect(pickEncoding(js, 'br;q=0, gzip')).toBe('gzip');
    expect(pickEncoding(js, undefined)).toBeNull();
    expect(pickEncoding(assets.index, 'br')).toBeNull();
  });
});
