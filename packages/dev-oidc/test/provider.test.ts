import { decodeJwt, decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEVICE_CODE_GRANT, type DevOidcProvider, startDevOidcProvider } from '../src/index.js';
import { basic, postForm, verifyAccessToken } from './helpers.js';

let op: DevOidcProvider;

beforeAll(async () => {
  op = await startDevOidcProvider();
});
afterAll(async () => {
  await op.close();
});

describe('discovery', () => {
  it('lists the endpoints the gateway and CLI use', async () => {
    expect(op.issuer).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const res = await fetch(`${op.issuer}/.well-known/openid-configuration`);
    expect(res.status).toBe(200);
    const doc = (await res.json()) as Record<string, unknown>;
    expect(doc.issuer).toBe(op.issuer);
    expect(doc.jwks_uri).toBe(op.jwksUri);
    expect(doc.token_endpoint).toBe(op.tokenEndpoint);
    expect(doc.device_authorization_endpoint).toBe(op.deviceAuthorizationEndpoint);
    expect(doc.introspection_endpoint).toBe(`${op.issuer}/token/introspection`);
    expect(doc.grant_types_supported).toEqual(
      expect.arrayContaining(['client_credentials', 'refresh_token', DEVICE_CODE_GRANT]),
    );
  });
});

describe('client_credentials', () => {
  it('gives the machine client a JWT for the audience, named after the client', async () => {
    const { clientId, clientSecret } = op.machineClient!;
    expect(clientId).toBe('hpcgate-automation');
    const res = await postForm(
      op.tokenEndpoint,
      { grant_type: 'client_credentials' },
      basic(clientId, clientSecret),
    );
    expect(res.status).toBe(200);
    const token = res.body.access_token as string;
    expect(decodeProtectedHeader(token)).toMatchObject({ alg: 'RS256', typ: 'at+jwt' });
    expect(decodeJwt(token)).toMatchObject({
      iss: op.issuer,
      aud: 'hpcgate',
      sub: clientId,
      preferred_username: clientId,
    });
    const verified = await verifyAccessToken(op, token);
    expect(verified.preferred_username).toBe(clientId);
  });

  it('refuses a wrong client secret', async () => {
    const res = await postForm(
      op.tokenEndpoint,
      { grant_type: 'client_credentials' },
      basic(op.machineClient!.clientId, 'wrong'),
    );
    expect(res.status).toBe(401);
    expect(res.body.error).toBe('invalid_client');
  });

  it('refuses the public CLI client', async () => {
    const res = await postForm(op.tokenEndpoint, {
      grant_type: 'client_credentials',
      client_id: op.deviceClient!.clientId,
    });
    expect(res.status).toBe(400);
    expect(res.body.error_description).toMatch(/grant type is not allowed/);
  });
});

describe('options', () => {
  it('signs with ES256 for a custom audience', async () => {
    const es = await startDevOidcProvider({ signingAlg: 'ES256', audience: 'https://api.example' });
    try {
      const { clientId, clientSecret } = es.machineClient!;
      const res = await postForm(
        es.tokenEndpoint,
        { grant_type: 'client_credentials' },
        basic(clientId, clientSecret),
      );
      const token = res.body.access_token as string;
      expect(decodeProtectedHeader(token).alg).toBe('ES256');
      expect((await verifyAccessToken(es, token)).aud).toBe('https://api.example');
      expect((await es.tokenFor('alice')).access_token).toEqual(expect.any(String));
    } finally {
      await es.close();
    }
  });
});
