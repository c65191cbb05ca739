import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, startHarness } from '../helpers/harness.js';
import { type Receiver, startReceiver } from '../webhooks/receiver.js';
import { pgSchemas } from './contract/pg-schemas.js';

// The whole gateway on a real PostgreSQL (`store.postgres`) and the real sandbox: jobs, their
// history and event stream, and a webhook delivered from the PostgreSQL subscription store.
const { url, freshSchema, admin } = pgSchemas();
const schema = freshSchema();

let h: Harness;
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
  h = await startHarness(
    {},
    {
      store: { postgres: { url, schema } },
      webhooks: { allowPrivateAddresses: true, retryBaseMs: 100 },
    },
  );
});
afterAll(async () => {
  await h?.close();
  await receiver?.close();
});

describe('the gateway on PostgreSQL', () => {
  it('runs, cancels, lists and streams a job, and delivers its webhook; the rows are in PostgreSQL', async () => {
    const sub = await h.call('alice', 'POST', '/v3/jobs/subscriptions', {
      url: `${receiver.url}/hook`,
      events: ['STATUS_CHANGED'],
    });
    expect(sub.status).toBe(201);
    const job = await h.submit('alice', { name: 'on-postgres', command: 'sleep 300' });
    await h.waitFor('alice', job.id, (j) => j.status === 'RUNNING');
    const cancel = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, { wait: 30 });
    expect(cancel.body).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    expect(await h.squeueState(cancel.body.remoteJobId)).not.toMatch(/RUNNING|PENDING/);

    const list = await h.call('alice', 'GET', '/v3/jobs/list?name=on-*');
    expect(list.body.jobs.map((j: { id: string }) => j.id)).toEqual([job.id]);
    expect((await h.call('bob', 'GET', `/v3/jobs/${job.id}`)).status).toBe(404);

    const history = (await h.call('alice', 'GET', `/v3/jobs/${job.id}/history`)).body.events;
    expect(history.map((e: { status: string }) => e.status)).toEqual(
      expect.arrayContaining(['PROCESSING_INPUTS', 'PENDING', 'RUNNING', 'CANCELLED']),
    );
    // The job's event stream replays that history from PostgreSQL and ends: the job is over.
    const stream = await h.app.inject({
      method: 'GET',
      url: `/v3/jobs/${job.id}/events`,
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
    });
    expect(stream.body).toContain('event: end');
    expect(stream.body.match(/^data: /gm)?.length).toBeGreaterThanOrEqual(history.length);

    await expect
      .poll(
        () =>
          receiver.received.some((r) => {
            const body = JSON.parse(r.body) as { job?: { id: string; status: string } };
            return body.job?.id === job.id && body.job.status === 'CANCELLED';
          }),
        { timeout: 30_000, interval: 100 },
      )
      .toBe(true);

    const rows = await admin(async (c) => {
      const jobs = await c.query(`SELECT status FROM ${schema}.jobs WHERE id = $1`, [job.id]);
      const deliveries = await c.query(
        `SELECT count(*)::int AS n FROM ${schema}.webhook_deliveries`,
      );
      return { status: jobs.rows[0]?.status, deliveries: deliveries.rows[0]?.n };
    });
    expect(rows.status).toBe('CANCELLED');
    expect(rows.deliveries).toBeGreaterThan(0);
  });

  it('shows its pool in /readyz', async () => {
    const res = await h.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    const { store } = res.json();
    expect(store).toMatchObject({ ok: true, error: null, pool: { max: 10, waiting: 0 } });
    expect(store.pool.total).toBeGreaterThanOrEqual(1);
    expect(store.pool.idle).toBeLessThanOrEqual(store.pool.total);
  });
});
