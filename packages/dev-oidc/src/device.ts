import { DEVICE_CODE_GRANT, type UserDirectory } from './accounts.js';
import { Browser, isRedirect } from './browser.js';

export interface TokenResponse {
  access_token: string;
  token_type: string;
  expires_in: number;
  refresh_token?: string;
  id_token?: string;
  scope?: string;
}

export interface DeviceAuthorization {
  device_code: string;
  user_code: string;
  verification_uri: string;
  verification_uri_complete: string;
  expires_in: number;
}

const INTERACTION = /^\/interaction\/([^/?#]+)/;

/**
 * Approves a pending device authorization the way a person does in a browser:
 * GET /device (code form and its xsrf value), POST the user code with confirm=yes,
 * follow the provider to its login interaction, POST username/password, then follow
 * the provider back to /device/:uid until it shows the success page.
 */
export async function approveDevice(
  issuer: string,
  users: UserDirectory,
  userCode: string,
  username: string,
): Promise<void> {
  const user = users.findByUsername(username);
  if (!user) throw new Error(`approveDevice: unknown user ${username}`);
  const browser = new Browser(issuer);

  const form = await (await browser.get('/device')).text();
  const xsrf = /name="xsrf" value="([^"]+)"/.exec(form)?.[1];
  if (!xsrf) throw new Error('approveDevice: no xsrf field on the device page');

  let res = await browser.postForm('/device', { xsrf, user_code: userCode, confirm: 'yes' });
  for (let step = 0; step < 5; step++) {
    res = await browser.follow(res);
    const location = new URL(res.url || issuer).pathname;
    const uid = INTERACTION.exec(location)?.[1];
    if (!uid) break;
    await res.body?.cancel();
    res = await browser.postForm(`/interaction/${uid}/login`, {
      username: user.username,
      password: user.password,
    });
    if (!isRedirect(res.status)) throw new Error(`approveDevice: login refused (${res.status})`);
  }

  const body = await res.text();
  if (!body.includes('data-result="device-approved"')) {
    const reason = /<p class="error">([^<]*)<\/p>/.exec(body)?.[1] ?? `status ${res.status}`;
    throw new Error(`approveDevice: the provider did not approve ${userCode}: ${reason}`);
  }
}

async function postToken(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

/** Device authorization start → approveDevice → one token request: a real device-code grant. */
export async function tokenFor(
  issuer: string,
  users: UserDirectory,
  clientId: string,
  username: string,
  scope = 'openid offline_access',
): Promise<TokenResponse> {
  const start = await postToken(`${issuer}/device/auth`, { client_id: clientId, scope });
  if (start.status !== 200) {
    throw new Error(`device authorization failed: ${JSON.stringify(start.body)}`);
  }
  const auth = start.body as unknown as DeviceAuthorization;
  await approveDevice(issuer, users, auth.user_code, username);
  const token = await postToken(`${issuer}/token`, {
    grant_type: DEVICE_CODE_GRANT,
    device_code: auth.device_code,
    client_id: clientId,
  });
  if (token.status !== 200) throw new Error(`token request failed: ${JSON.stringify(token.body)}`);
  return token.body as unknown as TokenResponse;
}
