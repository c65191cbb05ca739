import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startGateway, startProvider, type TestProvider } from './fake-idp.js';

// Admins (a configured value of a groups claim) read and stop other users' jobs, on the sandbox.
let provider: TestProvider;
let app: FastifyInstance;
const created: string[] = [];

beforeAll(async () => {
  provider = await startProvider();
  app = await startGateway(provider, { auth: { adminValue: 'hpcgate-admins' } });
});
afterAll(async () => {
  // A failed test must not leave its jobs running on the shared cluster.
  const admin = await adminToken();
  for (const id of created) {
    await app.inject({
      method: 'POST',
      url: `/v3/jobs/${id}/cancel`,
      headers: { authorization: `Bearer ${admin}` },
      payload: { mode: 'cancel' },
    });
  }
  await app?.close();
  await provider?.close();
});

const adminToken = () => provider.token('root-ada', { groups: ['users', 'hpcgate-admins'] });

async function call(token: string, method: 'GET' | 'POST', url: string, payload?: object) {
  const res = await app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(payload ? { payload } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

async function waitFor(token: string, id: string, done: (job: { status: string }) => boolean) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const res = await call(token, 'GET', `/v3/jobs/${id}`);
    expect(res.status).toBe(200);
    if (done(res.body)) return res.body;
    if (Date.now() > deadline) throw new Error(`job ${id} still ${res.body.status}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('admins', () => {
  it("read and cancel another user's job; history names the admin; others still get 404", async () => {
    const bob = await provider.token('bob');
    const submitted = await call(bob, 'POST', '/v3/jobs/submit', {
      name: 'bobs-sleeper',
      execSystemId: 'sandbox',
      script: '#!/bin/bash\nsleep 300\n',
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    created.push(id);
    await waitFor(bob, id, (j) => j.status === 'RUNNING');

    // Neither another user nor a member of a different group sees it.
    for (const other of [
      await provider.token('carol'),
      await provider.token('carol', { groups: ['users'] }),
      await provider.token('carol', { groups: 'hpcgate-admins-not' }),
    ]) {
      expect((await call(other, 'GET', `/v3/jobs/${id}`)).status).toBe(404);
      expect((await call(other, 'GET', `/v3/jobs/${id}/history`)).status).toBe(404);
      expect((await call(other, 'POST', `/v3/jobs/${id}/cancel`, { mode: 'cancel' })).status).toBe(
        404,
      );
    }

    const admin = await adminToken();
    const seen = await call(admin, 'GET', `/v3/jobs/${id}`);
    expect(seen.status).toBe(200);
    expect(seen.body).toMatchObject({ id, owner: 'bob', status: 'RUNNING' });
    expect((await call(admin, 'GET', `/v3/jobs/${id}/status`)).body.status).toBe('RUNNING');
    // Listing and bulk stops stay the admin's own jobs.
    expect((await call(admin, 'GET', '/v3/jobs/list')).body.jobs).toEqual([]);
    const bulk = await call(admin, 'POST', '/v3/jobs/stop', {
      selector: { ids: [id] },
      whatIf: true,
    });
    expect(bulk.status).toBe(200);
    expect(bulk.body.results).toEqual([]);

    const cancelled = await call(admin, 'POST', `/v3/jobs/${id}/cancel`, {
      mode: 'cancel',
      wait: 20,
    });
    expect([200, 202]).toContain(cancelled.status);
    expect(cancelled.body.stopRequest).toMatchObject({ mode: 'cancel', requestedBy: 'root-ada' });
    const ended = await waitFor(bob, id, (j) =>
      ['CANCELLED', 'FAILED', 'FINISHED'].includes(j.status),
    );
    expect(ended).toMatchObject({
      status: 'CANCELLED',
      condition: 'CANCELLED_BY_USER',
      owner: 'bob',
    });

    const history = await call(admin, 'GET', `/v3/jobs/${id}/history`);
    expect(history.status).toBe(200);
    const events = history.body.events as { event: string; actor: string | null }[];
    expect(events.find((e) => e.event === 'STOP_REQUESTED')?.actor).toBe('root-ada');
    expect(events.find((e) => e.event === 'STOP_SIGNALLED')?.actor).toBe('root-ada');
    expect(events.find((e) => e.event === 'JOB_CREATED')?.actor).toBe('bob');
    // The owner sees the same history.
    expect((await call(bob, 'GET', `/v3/jobs/${id}/history`)).body.events).toEqual(events);
  });

  it("an admin's bulk stop reaches another user's jobs with owner; nobody else's does", async () => {
    const bob = await provider.token('bob');
    const name = `owner-scope-${Date.now()}`;
    const submitted = await call(bob, 'POST', '/v3/jobs/submit', {
      name,
      execSystemId: 'sandbox',
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    });
    expect(submitted.status).toBe(201);
    const id = submitted.body.id as string;
    created.push(id);
    await waitFor(bob, id, (j) => j.status === 'PENDING');

    // A user naming someone else is refused; naming themselves is their own jobs.
    const carol = await provider.token('carol');
    const refused = await call(carol, 'POST', '/v3/jobs/stop', {
      selector: { names: [name], owner: 'bob' },
    });
    expect(refused.status).toBe(403);
    expect(refused.body.error).toMatchObject({
      code: 'FORBIDDEN',
      details: { field: 'body.selector.owner' },
    });
    const own = await call(bob, 'POST', '/v3/jobs/stop', {
      selector: { names: [name], owner: 'bob' },
      whatIf: true,
    });
    expect(own.body.results.map((r: { jobId: string }) => r.jobId)).toEqual([id]);
    // owner alone is a scope, not a criterion: it never means "all of bob's jobs".
    const scopeOnly = await call(await adminToken(), 'POST', '/v3/jobs/stop', {
      selector: { owner: 'bob' },
    });
    expect(scopeOnly.status).toBe(400);

    const stopped = await call(await adminToken(), 'POST', '/v3/jobs/stop', {
      selector: { names: [name], owner: 'bob' },
    });
    expect(stopped.status).toBe(200);
    expect(stopped.body.results).toHaveLength(1);
    expect(stopped.body.results[0]).toMatchObject({ jobId: id, outcome: 'stopped' });
    const ended = await waitFor(bob, id, (j) => j.status === 'CANCELLED');
    expect(ended).toMatchObject({ owner: 'bob', stopRequest: { requestedBy: 'root-ada' } });
  });

  it('a string admin claim counts as well as an array; nested claims by path', async () => {
    const gw = await startGateway(provider, {
      auth: { adminClaim: 'realm_access.roles', adminValue: 'hpcgate-admin' },
    });
    try {
      const bob = await provider.token('bob');
      const job = await gw.inject({
        method: 'POST',
        url: '/v3/jobs/submit',
        headers: { authorization: `Bearer ${bob}` },
        payload: {
          name: 'held',
          execSystemId: 'sandbox',
          script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
        },
      });
      expect(job.statusCode).toBe(201);
      const id = job.json().id as string;
      const get = async (claims: Record<string, unknown>) =>
        (
          await gw.inject({
            method: 'GET',
            url: `/v3/jobs/${id}`,
            headers: { authorization: `Bearer ${await provider.token('ada', claims)}` },
          })
        ).statusCode;
      expect(await get({ realm_access: { roles: ['hpcgate-admin'] } })).toBe(200);
      expect(await get({ realm_access: { roles: 'hpcgate-admin' } })).toBe(200);
      expect(await get({ 'realm_access.roles': ['hpcgate-admin'] })).toBe(200);
      expect(await get({ realm_access: { roles: ['user'] } })).toBe(404);
      expect(await get({ groups: ['hpcgate-admin'] })).toBe(404);
      const stop = await gw.inject({
        method: 'POST',
        url: `/v3/jobs/${id}/cancel`,
        headers: { authorization: `Bearer ${bob}` },
        payload: { mode: 'terminate' },
      });
      expect(stop.statusCode).toBe(200);
    } finally {
      await gw.close();
    }
  });
});
