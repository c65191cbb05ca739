import { describe, expect, it } from 'vitest';
import { safeRedirect, signInHref } from '../../src/api/session.js';

describe('signInHref', () => {
  it('comes back to this page with its query', () => {
    expect(signInHref('/', '?status=RUNNING,PENDING&name=exp-*')).toBe(
      `/auth/login?returnTo=${encodeURIComponent('/?status=RUNNING,PENDING&name=exp-*')}`,
    );
    expect(signInHref('/jobs/abc', '')).toBe('/auth/login?returnTo=%2Fjobs%2Fabc');
  });

  it('drops a previous sign-in error', () => {
    expect(signInHref('/', '?signInError=access_denied')).toBe('/auth/login?returnTo=%2F');
  });
});

describe('safeRedirect', () => {
  const origin = 'https://gw.example';
  it('follows http(s) only', () => {
    expect(safeRedirect('https://idp.example/logout?x=1', origin)).toBe(
      'https://idp.example/logout?x=1',
    );
    expect(safeRedirect(null, origin)).toBe('/');
    expect(safeRedirect('javascript:alert(1)', origin)).toBe('/');
  });
});
