import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import nock from 'nock';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  AuthenticationError,
  clientCredentials,
  Hpcgate,
  refreshToken,
  staticToken,
} from '../../src/index.js';
import { aJob } from '../fixtures.js';
import { claimsOf, countingFetch } from './helpers.js';

// The gateway is nock; the identity provider is real, on loopback, and let through.
const baseUrl = 'http://gateway.test';
let op: DevOidcProvider;
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0 });
  nock.disableNetConnect();
  nock.enableNetConnect(new URL(op.issuer).host);
});
afterEach(() => nock.cleanAll());
afterAll(async () => {
  nock.enableNetConnect();
  await op.close();
});

describe('Hpcgate with a token provider', () => {
  it('20 concurrent calls with no token yet: ONE token request, every call carries the token', async () => {
    const fetch = countingFetch();
    const tokenProvider = clientCredentials({ issuer: op.issuer, ...op.machineClient!, fetch });
    const seen: string[] = [];
    nock(baseUrl)
      .get(`/v3/jobs/${aJob.id}`)
      .times(20)
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [200, aJob];
      });
    const client = new Hpcgate({ baseUrl, tokenProvider });
    await Promise.all(Array.from({ length: 20 }, () => client.jobs.getJob({ jobId: aJob.id })));
    expect(fetch.count('/token')).toBe(1);
    expect(new Set(seen).size).toBe(1);
    const token = seen[0]!.replace(/^Bearer /, '');
    expect(claimsOf(token).preferred_username).toBe(op.machineClient!.clientId);
  });

  it('a 401 makes the provider renew once, and the call is sent again with the new token', async () => {
    const start = await op.tokenFor('alice');
    const fetch = countingFetch();
    const tokenProvider = refreshToken({
      issuer: op.issuer,
      clientId: op.deviceClient!.clientId,
      refreshToken: start.refresh_token!,
      fetch,
    });
    const first = await tokenProvider();
    const seen: string[] = [];
    nock(baseUrl)
      .post('/v3/jobs/submit')
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [401, { error: { code: 'UNAUTHENTICATED', message: 'token revoked' } }];
      })
      .post('/v3/jobs/submit')
      .reply(function () {
        seen.push(String(this.req.headers.authorization));
        return [201, aJob];
      });
    const client = new Hpcgate({ baseUrl, tokenProvider, maxRetries: 0 });
    await client.jobs.submitJob({ name: 'x', execSystemId: 'cluster', command: 'ls' });
    expect(seen[0]).toBe(`Bearer ${first}`);
    expect(seen[1]).not.toBe(seen[0]);
    expect(claimsOf(seen[1]!.replace(/^Bearer /, '')).preferred_username).toBe('alice');
    expect(fetch.count('/token')).toBe(2);
  });

  it('a 401 with a token the provider cannot replace is the AuthenticationError, sent once', async () => {
    const scope = nock(baseUrl)
      .get('/healthz')
      .once()
      .reply(401, { error: { code: 'UNAUTHENTICATED', message: 'no' } });
    const client = new Hpcgate({ baseUrl, tokenProvider: staticToken('abc') });
    await expect(client.health.check()).rejects.toBeInstanceOf(AuthenticationError);
    expect(scope.isDone()).toBe(true);
  });

  it('a second 401 after the renewal is not retried again', async () => {
    const scope = nock(baseUrl)
      .get('/healthz')
      .times(2)
      .reply(401, { error: { code: 'UNAUTHENTICATED', message: 'no' } });
    const tokenProvider = clientCredentials({ issuer: op.issuer, ...op.machineClient! });
    const client = new Hpcgate({ baseUrl, tokenProvider });
    await expect(client.health.check()).rejects.toBeInstanceOf(AuthenticationError);
    expect(scope.isDone()).toBe(true);
  });

  it('the identity provider refusing the client fails the call with its AuthenticationError', async () => {
    const tokenProvider = clientCredentials({
      issuer: op.issuer,
      clientId: op.machineClient!.clientId,
      clientSecret: 'wrong-secret',
    });
    const client = new Hpcgate({ baseUrl, tokenProvider });
    const err = await client.health.check().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AuthenticationError);
    expect((err as AuthenticationError).code).toBe('invalid_client');
  });
});
