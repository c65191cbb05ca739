import type { ServerResponse } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// Memory stays bounded whatever receivers do: one subscription cannot hold more than its share
// of pending deliveries, and a full queue makes the feeder wait (the events stay in the store).
let receiver: Receiver;
const held: ServerResponse[] = [];
const releaseAll = () => {
  for (const res of held.splice(0)) res.end('ok');
};

beforeAll(async () => {
  receiver = await startReceiver((_req, res) => {
    held.push(res);
  });
});
afterAll(async () => {
  releaseAll();
  await receiver?.close();
});

it('past maxPendingPerSubscription, new deliveries of that subscription fail at once, saying why', async () => {
  const gw = await offlineWebhookApp({
    allowPrivateAddresses: true,
    maxPendingPerSubscription: 1,
  });
  try {
    const { id } = await gw.subscribe('alice', {
      url: `${receiver.url}/one`,
      events: ['JOB_CREATED', 'STATUS_CHANGED'],
    });
    const job = await gw.jobs.create('alice');
    await expect.poll(() => held.length).toBe(1);
    await gw.jobs.step(job.id, 'RUNNING');
    await gw.jobs.step(job.id, 'FINISHED');
    const log = await gw.deliveriesWhen('alice', id, (d) => d.length === 3);
    expect(log.map((d) => d.state)).toEqual(['failed', 'failed', 'pending']);
    expect(log[0].error).toBe(
      'not sent: 1 deliveries of this subscription are already pending (the most is 1)',
    );
    expect(log[0].attempts).toEqual([]);
    releaseAll();
    await gw.deliveriesWhen('alice', id, (d) => d[2].state === 'delivered');
  } finally {
    await gw.close();
  }
});

it('a full queue holds the feeder back; once there is room, the waiting events are delivered', async () => {
  const gw = await offlineWebhookApp({ allowPrivateAddresses: true, maxQueuedDeliveries: 1 });
  try {
    const a = await gw.subscribe('alice', { url: `${receiver.url}/a`, events: ['*'] });
    const b = await gw.subscribe('bob', { url: `${receiver.url}/b`, events: ['*'] });
    await gw.jobs.create('alice');
    await expect.poll(() => held.length).toBe(1);
    await gw.jobs.create('bob');
    // Bob's event is in the store, not read: the one delivery held is all the queue takes.
    expect(gw.app.webhooks.queued).toBe(1);
    expect(
      (await gw.call('bob', 'GET', `/v3/jobs/subscriptions/${b.id}/deliveries`)).body.deliveries,
    ).toEqual([]);
    releaseAll();
    await gw.deliveriesWhen('alice', a.id, (d) => d[0]?.state === 'delivered');
    await expect.poll(() => held.length).toBe(1);
    releaseAll();
    await gw.deliveriesWhen('bob', b.id, (d) => d[0]?.state === 'delivered');
  } finally {
    await gw.close();
  }
});
