import { WEBHOOK_HEADERS } from '@hpcgate/contract';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { pgSchemas } from '../store/contract/pg-schemas.js';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// Two gateways on one PostgreSQL schema: the holder of the webhooks lease alone feeds and sends,
// so every event is delivered once whichever replica wrote it; when the holder stops, the other
// takes over and delivers what came after.
const { url, freshSchema } = pgSchemas();
let receiver: Receiver;
beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

it('delivers each event once across replicas, and on after the sending one stops', async () => {
  const schema = freshSchema();
  const start = (id: string) =>
    offlineWebhookApp(
      { allowPrivateAddresses: true },
      { store: { postgres: { url, schema } }, replicas: { id, leaseTtlMs: 1_000 } },
    );
  const a = await start('a');
  const b = await start('b');
  try {
    // a started first: it holds the lease and sends; b sends nothing.
    expect(a.app.webhooks.delivering).toBe(true);
    expect(b.app.webhooks.delivering).toBe(false);
    const { id } = await a.subscribe('alice', { url: `${receiver.url}/hook`, events: ['*'] });
    // Changes written through b (its bus tells a, which reads them from the store).
    const job = await b.jobs.create('alice');
    await b.jobs.step(job.id, 'RUNNING');
    await a.deliveriesWhen(
      'alice',
      id,
      (d) => d.length === 2 && d.every((x) => x.state === 'delivered'),
    );

    await a.close();
    await b.jobs.step(job.id, 'FINISHED');
    const all = await b.deliveriesWhen(
      'alice',
      id,
      (d) => d.length === 3 && d.every((x) => x.state === 'delivered'),
    );
    expect(b.app.webhooks.delivering).toBe(true);
    expect(all.map((d) => d.event).sort()).toEqual([
      'JOB_CREATED',
      'STATUS_CHANGED',
      'STATUS_CHANGED',
    ]);
    // Once each: as many requests as deliveries, no delivery id twice.
    const ids = receiver.received.map((r) => r.headers[WEBHOOK_HEADERS.delivery]);
    expect(ids).toHaveLength(3);
    expect(new Set(ids).size).toBe(3);
  } finally {
    await a.close().catch(() => {});
    await b.close();
  }
});
