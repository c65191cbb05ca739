import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfig, type RunningGateway, startGateway } from '../support/gateway.js';

// Sign-in end to end: a real OIDC provider (oidc-provider) on loopback, the gateway finding its keys
// by discovery, and jobs on the real cluster. The gateway logs everything (trace) to a file that is
// searched for secrets at the end.
const env = readClusterEnv();
let idp: DevOidcProvider;
let otherIdp: DevOidcProvider;
let gateway: RunningGateway;
// In $HPCGATE_TEST_LOG_DIR when `npm test` gives one, so that its final search covers this log too.
const logFile = join(
  process.env.HPCGATE_TEST_LOG_DIR ?? mkdtempSync(join(tmpdir(), 'hpcgate-auth-log-')),
  `gateway-trace-${process.pid}.log`,
);
const secrets: string[] = [];

beforeAll(async () => {
  [idp, otherIdp] = await Promise.all([
    startDevOidcProvider({ port: 0 }),
    startDevOidcProvider({ port: 0 }),
  ]);
  gateway = await startGateway(
    gatewayConfig(env, {
      logLevel: 'trace',
      logFile,
      auth: {
        issuer: idp.issuer,
        discovery: true,
        audience: idp.audience,
        ownerClaim: 'preferred_username',
        adminClaim: 'groups',
        adminValue: 'hpcgate-admins',
      },
    }),
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([idp?.close(), otherIdp?.close()]);
});

async function userToken(username: string, provider = idp): Promise<string> {
  const { access_token } = await provider.tokenFor(username);
  secrets.push(access_token);
  return access_token;
}

async function clientCredentialsToken(provider = idp): Promise<string> {
  const { clientId, clientSecret } = provider.machineClient!;
  secrets.push(clientSecret);
  const res = await fetch(`${provider.issuer}/token`, {
    method: 'POST',
    headers: {
      authorization: `Basic ${Buffer.from(`${clientId}:${clientSecret}`).toString('base64')}`,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: 'grant_type=client_credentials',
  });
  const { access_token } = (await res.json()) as { access_token: string };
  secrets.push(access_token);
  return access_token;
}

async function call(token: string | null, method: string, path: string, body?: unknown) {
  const res = await fetch(`${gateway.url}${path}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // biome-ignore lint/suspicious/noExplicitAny: tests assert responses field by field
  return { status: res.status, body: (await res.json()) as any, headers: res.headers };
}

async function submitAndCancel(token: string) {
  const sub = await call(token, 'POST', '/v3/jobs/submit', {
    name: 'signed-in',
    execSystemId: env.cluster,
    command: 'sleep 600',
  });
  expect(sub.status).toBe(201);
  const cancel = await call(token, 'POST', `/v3/jobs/${sub.body.id}/cancel`, { wait: 30 });
  expect(cancel.status).toBe(200);
  expect(cancel.body).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
  // The gateway is done with the job once it has said what it kept of its logs: a later test
  // compares the job list before and after, and that is the last change the gateway makes.
  await expect
    .poll(
      async () => {
        const history = await call(token, 'GET', `/v3/jobs/${sub.body.id}/history`);
        return history.body.events.some((e: { event: string }) => e.event.startsWith('OUTPUT_'));
      },
      // Generous: on a loaded machine (every package's tests at once) collection waits its turn.
      { timeout: 90_000, interval: 100 },
    )
    .toBe(true);
  return sub.body;
}

describe('signing in', () => {
  it('with client credentials (automation): submit and cancel a job', async () => {
    const job = await submitAndCancel(await clientCredentialsToken());
    expect(job.owner).toBe(idp.machineClient!.clientId);
  }, 150_000);

  it('with the device grant (a person; the test approves the code as the user would)', async () => {
    const job = await submitAndCancel(await userToken('alice'));
    expect(job.owner).toBe('alice');
  }, 150_000);
});

describe('tokens that are refused: 401, and nothing changes', () => {
  it('from a second provider, tampered, unsigned, or none at all', async () => {
    const good = await userToken('alice');
    const [header, payload] = good.split('.');
    const forged = JSON.parse(Buffer.from(payload!, 'base64url').toString());
    forged.preferred_username = 'bob';
    const tampered = `${header}.${Buffer.from(JSON.stringify(forged)).toString('base64url')}.${good.split('.')[2]}`;
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${payload}.`;
    const before = await call(good, 'GET', '/v3/jobs/list');
    for (const token of [await userToken('alice', otherIdp), tampered, none, 'garbage', null]) {
      const list = await call(token, 'GET', '/v3/jobs/list');
      expect(list.status).toBe(401);
      expect(list.headers.get('www-authenticate')).toBe('Bearer error="invalid_token"');
      const sub = await call(token, 'POST', '/v3/jobs/submit', {
        name: 'nope',
        execSystemId: env.cluster,
        command: 'true',
      });
      expect(sub.status).toBe(401);
    }
    expect((await call(good, 'GET', '/v3/jobs/list')).body).toEqual(before.body);
  });
});

describe('each user sees only their own jobs', () => {
  it('alice cannot read, list, cancel, stop in bulk or see the history of bob’s job; an admin can', async () => {
    const bob = await userToken('bob');
    const alice = await userToken('alice');
    const admin = await userToken('admin');
    const job = (
      await call(bob, 'POST', '/v3/jobs/submit', {
        name: 'bobs-job',
        execSystemId: env.cluster,
        command: 'sleep 600',
      })
    ).body;
    for (const path of ['', '/status', '/history']) {
      expect((await call(alice, 'GET', `/v3/jobs/${job.id}${path}`)).status).toBe(404);
    }
    expect((await call(alice, 'POST', `/v3/jobs/${job.id}/cancel`, {})).status).toBe(404);
    const listed = await call(alice, 'GET', '/v3/jobs/list?name=bobs-job');
    expect(listed.body.jobs).toEqual([]);
    const bulk = await call(alice, 'POST', '/v3/jobs/stop', { selector: { ids: [job.id] } });
    expect(bulk.body.results).toEqual([]);
    expect((await call(bob, 'GET', `/v3/jobs/${job.id}`)).body.stopRequest).toBeNull();

    // An admin may: the stop is recorded with the admin's name.
    expect((await call(admin, 'GET', `/v3/jobs/${job.id}`)).status).toBe(200);
    const stopped = await call(admin, 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 30 });
    expect(stopped.body).toMatchObject({
      status: 'CANCELLED',
      stopRequest: { requestedBy: 'admin' },
    });
    const history = (await call(bob, 'GET', `/v3/jobs/${job.id}/history`)).body.events;
    expect(history).toContainEqual(
      expect.objectContaining({ event: 'STOP_REQUESTED', actor: 'admin' }),
    );
  });
});

describe('secrets in the log', () => {
  it('the gateway’s trace log holds no token, client secret or private key', async () => {
    // Let the logger flush.
    await new Promise((r) => setTimeout(r, 500));
    const log = readFileSync(logFile, 'utf8');
    expect(log.length).toBeGreaterThan(1000);
    expect(log).toContain('/v3/jobs/submit');
    for (const secret of secrets) expect(log).not.toContain(secret);
    const key = readFileSync(env.privateKeyPath, 'utf8');
    const keyBody = key.split('\n').filter((l) => l && !l.startsWith('-----'));
    for (const line of keyBody) expect(log).not.toContain(line);
  });
});
