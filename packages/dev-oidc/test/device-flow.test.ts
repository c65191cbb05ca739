import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT, type DevOidcProvider, startDevOidcProvider } from '../src/index.js';
import { postForm, verifyAccessToken } from './helpers.js';

let op: DevOidcProvider;
let cli: string;

beforeAll(async () => {
  op = await startDevOidcProvider();
  cli = op.deviceClient!.clientId;
});
afterAll(async () => {
  await op.close();
});

async function startDevice(scope = 'openid offline_access') {
  const res = await postForm(op.deviceAuthorizationEndpoint, { client_id: cli, scope });
  expect(res.status).toBe(200);
  return res.body as { device_code: string; user_code: string; verification_uri: string };
}

const pollOnce = (deviceCode: string) =>
  postForm(op.tokenEndpoint, {
    grant_type: DEVICE_CODE_GRANT,
    device_code: deviceCode,
    client_id: cli,
  });

describe('device authorization grant', () => {
  it('issues a JWT and a refresh token once a user approves', async () => {
    const auth = await startDevice();
    expect(auth.verification_uri).toBe(`${op.issuer}/device`);

    const pending = await pollOnce(auth.device_code);
    expect(pending.status).toBe(400);
    expect(pending.body.error).toBe('authorization_pending');

    await op.approveDevice(auth.user_code, 'alice');
    const res = await pollOnce(auth.device_code);
    expect(res.status).toBe(200);
    expect(res.body.refresh_token).toEqual(expect.any(String));
    const claims = await verifyAccessToken(op, res.body.access_token as string);
    expect(claims).toMatchObject({ sub: 'alice', preferred_username: 'alice', aud: 'hpcgate' });

    const refreshed = await postForm(op.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: res.body.refresh_token as string,
      client_id: cli,
    });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.access_token).not.toBe(res.body.access_token);
    const again = await verifyAccessToken(op, refreshed.body.access_token as string);
    expect(again.preferred_username).toBe('alice');

    // A device code is single use; replaying it revokes the whole grant, refresh token included.
    expect((await pollOnce(auth.device_code)).body.error).toBe('invalid_grant');
    const revoked = await postForm(op.tokenEndpoint, {
      grant_type: 'refresh_token',
      refresh_token: refreshed.body.refresh_token as string,
      client_id: cli,
    });
    expect(revoked.body.error).toBe('invalid_grant');
  });

  it('puts the admin group into the admin token', async () => {
    const tokens = await op.tokenFor('admin');
    const claims = await verifyAccessToken(op, tokens.access_token);
    expect(claims.groups).toEqual(['hpcgate-admins']);
    expect((await verifyAccessToken(op, (await op.tokenFor('bob')).access_token)).groups).toEqual(
      [],
    );
  });

  it('introspects its refresh token and a custom user list', async () => {
    const custom = await startDevOidcProvider({
      users: [{ id: 'u-1', username: 'carol', password: 'pw', groups: ['g'] }],
    });
    try {
      const tokens = await custom.tokenFor('carol');
      const claims = await verifyAccessToken(custom, tokens.access_token);
      expect(claims).toMatchObject({ sub: 'u-1', preferred_username: 'carol', groups: ['g'] });
      const res = await postForm(`${custom.issuer}/token/introspection`, {
        token: tokens.refresh_token!,
        client_id: cli,
      });
      expect(res.body).toMatchObject({ active: true, sub: 'u-1', client_id: cli });
    } finally {
      await custom.close();
    }
  });

  it('works without the openid scope too', async () => {
    const tokens = await op.tokenFor('demo', { scope: 'offline_access' });
    expect((await verifyAccessToken(op, tokens.access_token)).sub).toBe('demo');
  });

  it('rejects unknown or reused user codes', async () => {
    await expect(op.approveDevice('BCDF-GHJK', 'alice')).rejects.toThrow(/did not approve/);
    const auth = await startDevice();
    await op.approveDevice(auth.user_code, 'bob');
    await expect(op.approveDevice(auth.user_code, 'alice')).rejects.toThrow(/did not approve/);
  });

  it('serves a login form that refuses a wrong password', async () => {
    const auth = await startDevice();
    const page = await fetch(`${auth.verification_uri}`);
    const cookie = page.headers.getSetCookie().map((c) => c.split(';')[0]);
    const xsrf = /name="xsrf" value="([^"]+)"/.exec(await page.text())?.[1] ?? '';
    const confirm = await fetch(auth.verification_uri, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie.join('; ') },
      body: new URLSearchParams({ xsrf, user_code: auth.user_code, confirm: 'yes' }),
    });
    expect(confirm.status).toBe(303);
    const login = new URL(confirm.headers.get('location')!, op.issuer);
    cookie.push(...confirm.headers.getSetCookie().map((c) => c.split(';')[0]));
    const form = await fetch(login, { headers: { cookie: cookie.join('; ') } });
    expect(await form.text()).toContain('name="password"');
    const wrong = await fetch(`${login}/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: cookie.join('; ') },
      body: new URLSearchParams({ username: 'alice', password: 'nope' }),
    });
    expect(wrong.status).toBe(401);
    expect(await wrong.text()).toContain('Wrong username or password');
  });
});
