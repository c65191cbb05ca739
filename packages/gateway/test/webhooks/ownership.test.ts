import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// A subscription is its owner's alone: nobody else sees or deletes it (404, admins too), and it
// carries only its owner's own jobs' events, whatever its selector would match.
let gw: Awaited<ReturnType<typeof offlineWebhookApp>>;
let receiver: Receiver;
const ADMIN_GROUP = 'hpcgate-admins';

beforeAll(async () => {
  receiver = await startReceiver();
  gw = await offlineWebhookApp({ allowPrivateAddresses: true }, (issuer) => ({
    auth: {
      issuer: 'https://issuer.hpcgate.test',
      audience: 'hpcgate',
      jwksFile: issuer.jwksFile,
      adminValue: ADMIN_GROUP,
    },
  }));
});
afterAll(async () => {
  await gw?.close();
  await receiver?.close();
});

/** As `gw.call`, with an admin's token. */
async function asAdmin(method: 'GET' | 'DELETE' | 'POST', url: string, body?: object) {
  const token = await gw.issuer.token('root-ada', { claims: { groups: [ADMIN_GROUP] } });
  const res = await gw.app.inject({
    method,
    url,
    headers: { authorization: `Bearer ${token}` },
    ...(body ? { payload: body } : {}),
  });
  return { status: res.statusCode, body: res.json() };
}

describe("another user's subscription", () => {
  it('is 404 SUBSCRIPTION_NOT_FOUND to get, delete and list deliveries of, for users and admins alike', async () => {
    const { id } = await gw.subscribe('alice', { url: `${receiver.url}/a`, events: ['*'] });
    for (const path of [
      `/v3/jobs/subscriptions/${id}`,
      `/v3/jobs/subscriptions/${id}/deliveries`,
    ]) {
      const bob = await gw.call('bob', 'GET', path);
      expect(bob.status).toBe(404);
      expect(bob.body.error).toMatchObject({
        code: 'SUBSCRIPTION_NOT_FOUND',
        details: { subscriptionId: id },
      });
      expect((await asAdmin('GET', path)).status).toBe(404);
    }
    expect((await gw.call('bob', 'DELETE', `/v3/jobs/subscriptions/${id}`)).status).toBe(404);
    expect((await asAdmin('DELETE', `/v3/jobs/subscriptions/${id}`)).status).toBe(404);
    // Still there for alice, and in nobody else's list.
    expect((await gw.call('alice', 'GET', `/v3/jobs/subscriptions/${id}`)).status).toBe(200);
    const bobs = await gw.call('bob', 'GET', '/v3/jobs/subscriptions');
    expect(bobs.body.subscriptions.map((s: { id: string }) => s.id)).not.toContain(id);
    expect((await asAdmin('GET', '/v3/jobs/subscriptions')).body.subscriptions).toEqual([]);
    // The same answer as for one that never existed.
    const none = await gw.call(
      'bob',
      'GET',
      '/v3/jobs/subscriptions/00000000-0000-4000-8000-000000000000',
    );
    expect(none.status).toBe(404);
    expect(none.body.error.code).toBe('SUBSCRIPTION_NOT_FOUND');
  });

  it("one on another user's job is 404 JOB_NOT_FOUND at creation, for admins too", async () => {
    const job = await gw.jobs.create('alice');
    const body = { url: `${receiver.url}/b`, events: ['*'], jobId: job.id };
    const bob = await gw.call('bob', 'POST', '/v3/jobs/subscriptions', body);
    expect(bob.status).toBe(404);
    expect(bob.body.error).toMatchObject({ code: 'JOB_NOT_FOUND', details: { jobId: job.id } });
    expect((await asAdmin('POST', '/v3/jobs/subscriptions', body)).status).toBe(404);
    // Alice may.
    await gw.subscribe('alice', body);
  });
});

it("a subscription never carries another user's jobs, even when its selector names them", async () => {
  // The events every job has (a job's end may bring more: the outputs' collection).
  const events = ['JOB_CREATED', 'STATUS_CHANGED'];
  const alices = await gw.subscribe('alice', {
    url: `${receiver.url}/alice`,
    events,
    selector: { name: 'shared-*' },
  });
  const bobs = await gw.subscribe('bob', {
    url: `${receiver.url}/bob`,
    events,
    selector: { name: 'shared-*' },
  });
  const admins = await asAdmin('POST', '/v3/jobs/subscriptions', {
    url: `${receiver.url}/admin`,
    events: ['*'],
  });
  expect(admins.status).toBe(201);
  const job = await gw.jobs.create('alice', { name: 'shared-1' });
  await gw.jobs.step(job.id, 'RUNNING');
  await gw.jobs.step(job.id, 'FINISHED');
  // Alice's subscription got all three; the others' were matched against the same events.
  await gw.deliveriesWhen(
    'alice',
    alices.id,
    (d) => d.filter((x) => x.state === 'delivered').length === 3,
  );
  // A later event of bob's own goes through bob's subscription: by then alice's were long seen.
  const own = await gw.jobs.create('bob', { name: 'shared-2' });
  await gw.jobs.step(own.id, 'RUNNING');
  const bobDeliveries = await gw.deliveriesWhen(
    'bob',
    bobs.id,
    (d) => d.length === 2 && d.every((x) => x.state === 'delivered'),
  );
  expect(new Set(bobDeliveries.map((d) => d.jobId))).toEqual(new Set([own.id]));
  const jobsAt = (path: string) =>
    new Set(receiver.received.filter((r) => r.path === path).map((r) => JSON.parse(r.body).job.id));
  expect(jobsAt('/alice')).toEqual(new Set([job.id]));
  expect(jobsAt('/bob')).toEqual(new Set([own.id]));
  expect(jobsAt('/admin')).toEqual(new Set());
  expect(
    (await asAdmin('GET', `/v3/jobs/subscriptions/${admins.body.id}/deliveries`)).body.deliveries,
  ).toEqual([]);
});

it('a deleted subscription gets nothing more, and its log goes with it', async () => {
  const { id } = await gw.subscribe('carol', { url: `${receiver.url}/carol`, events: ['*'] });
  const job = await gw.jobs.create('carol');
  await gw.deliveriesWhen('carol', id, (d) => d.length === 1 && d[0].state === 'delivered');
  expect((await gw.call('carol', 'DELETE', `/v3/jobs/subscriptions/${id}`)).status).toBe(204);
  expect((await gw.call('carol', 'GET', `/v3/jobs/subscriptions/${id}`)).status).toBe(404);
  expect((await gw.call('carol', 'GET', `/v3/jobs/subscriptions/${id}/deliveries`)).status).toBe(
    404,
  );
  // A second subscription made now sees the next event; the deleted one does not.
  const next = await gw.subscribe('carol', { url: `${receiver.url}/carol-2`, events: ['*'] });
  await gw.jobs.step(job.id, 'RUNNING');
  await gw.deliveriesWhen('carol', next.id, (d) => d.length === 1 && d[0].state === 'delivered');
  expect(receiver.received.filter((r) => r.path === '/carol')).toHaveLength(1);
});
