import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { JobEvents } from '../../src/jobs/job-events.js';
import { JobWriter } from '../../src/jobs/job-writer.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { type Receiver, startReceiver } from './receiver.js';
import { offlineWebhookApp } from './webhook-app.js';

// The cursor and the pending deliveries are in the store: a gateway that stopped neither loses
// the events written while it was down nor sends again what it had delivered, and resumes a
// delivery it had not finished with the same id.
const sqlitePath = join(mkdtempSync(join(tmpdir(), 'hpcgate-webhooks-')), 'gateway.db');
let receiver: Receiver;
const start = () =>
  offlineWebhookApp(
    { allowPrivateAddresses: true, retryBaseMs: 60_000, retryMaxDelayMs: 60_000 },
    { store: { sqlitePath } },
  );

beforeAll(async () => {
  receiver = await startReceiver();
});
afterAll(async () => {
  await receiver?.close();
});

it('after a restart: nothing lost, nothing sent twice, a pending delivery resumed with its id', async () => {
  let gw = await start();
  const { id } = await gw.subscribe('alice', { url: `${receiver.url}/hook`, events: ['*'] });
  const job = await gw.jobs.create('alice');
  await gw.deliveriesWhen('alice', id, (d) => d.length === 1 && d[0].state === 'delivered');
  // The next one fails: its retry is a minute away when the gateway stops.
  receiver.handle((_req, res) => {
    res.statusCode = 503;
    res.end();
  });
  await gw.jobs.step(job.id, 'RUNNING');
  const [pending] = await gw.deliveriesWhen(
    'alice',
    id,
    (d) => d.length === 2 && d[0].attempts.length === 1,
  );
  expect(pending).toMatchObject({ state: 'pending', attempts: [{ statusCode: 503 }] });
  await gw.close();

  // While no gateway runs, the job goes on (written to the same file, as another process would).
  const offline = new SqliteJobStore(sqlitePath);
  await new JobWriter(offline, new JobEvents()).apply(job.id, {
    steps: [{ status: 'FINISHED', description: 'ended while the gateway was down' }],
  });
  await offline.close();

  receiver.handle((_req, res) => res.end('ok'));
  const before = receiver.received.length;
  gw = await start();
  // The pending delivery was due a minute later; the gateway resumes it on schedule, not now.
  // The missed event (FINISHED) is read at start: delivered at once.
  const log = await gw.deliveriesWhen(
    'alice',
    id,
    (d) => d.length === 3 && d[0].state === 'delivered',
  );
  expect(log.map((d) => d.event)).toEqual(['STATUS_CHANGED', 'STATUS_CHANGED', 'JOB_CREATED']);
  expect(log[1]).toMatchObject({ id: pending.id, state: 'pending' });
  const after = receiver.received.slice(before).map((r) => JSON.parse(r.body));
  expect(after.map((p) => p.event.status)).toEqual(['FINISHED']);
  await gw.close();
});

it('a pending delivery that is due at restart goes out again with the same id and body', async () => {
  const path = join(mkdtempSync(join(tmpdir(), 'hpcgate-webhooks-')), 'gateway.db');
  const startFast = () =>
    offlineWebhookApp(
      { allowPrivateAddresses: true, retryBaseMs: 10 },
      { store: { sqlitePath: path } },
    );
  let gw = await startFast();
  let refusing = true;
  receiver.handle((_req, res) => {
    res.statusCode = refusing ? 500 : 200;
    res.end();
  });
  const { id } = await gw.subscribe('bob', { url: `${receiver.url}/again`, events: ['*'] });
  const job = await gw.jobs.create('bob');
  await gw.deliveriesWhen('bob', id, (d) => d[0]?.attempts.length >= 2);
  await gw.close();
  const sent = receiver.received.filter((r) => r.path === '/again');
  refusing = false;
  gw = await startFast();
  const [d] = await gw.deliveriesWhen('bob', id, (x) => x[0]?.state === 'delivered');
  const all = receiver.received.filter((r) => r.path === '/again');
  expect(all.length).toBeGreaterThan(sent.length);
  expect(new Set(all.map((r) => r.headers['x-hpcgate-delivery']))).toEqual(new Set([d.id]));
  expect(new Set(all.map((r) => r.body)).size).toBe(1);
  expect(JSON.parse(all[0]!.body).job.id).toBe(job.id);
  // Attempts count on across the restart.
  expect(d.attempts.map((a: { attempt: number }) => a.attempt)).toEqual(
    [...Array(d.attempts.length).keys()].map((i) => i + 1),
  );
  await gw.close();
});
