import { writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ListeningApp, listeningApp, send } from '../http/offline-app.js';

// Defect 8: an Idempotency-Key whose first request lost its client must not block its retries.
// A real listening gateway (no cluster): the bulk stop route (whatIf, on an empty store) is made
// slow by holding its service call until the test lets it go.

let gw: ListeningApp | undefined;
const gates: Gate[] = [];
afterEach(async () => {
  for (const g of gates.splice(0)) g.open();
  await gw?.app.close();
  gw = undefined;
});

interface Gate {
  entered: Promise<void>;
  open: () => void;
  calls: () => number;
}

/** Holds every `jobs.stopMany` call until `open()`. */
function holdStopMany(g: ListeningApp): Gate {
  const jobs = g.app.jobs;
  const original = jobs.stopMany.bind(jobs);
  let open!: () => void;
  let entered!: () => void;
  const opened = new Promise<void>((r) => {
    open = r;
  });
  const enteredP = new Promise<void>((r) => {
    entered = r;
  });
  let calls = 0;
  jobs.stopMany = async (...args: Parameters<typeof original>) => {
    calls++;
    entered();
    await opened;
    return original(...args);
  };
  const gate = { entered: enteredP, open, calls: () => calls };
  gates.push(gate);
  return gate;
}

const body = JSON.stringify({ selector: { names: ['idem-*'] }, whatIf: true });

/** Sends the POST on a raw socket and returns the socket, so the test can drop it mid-request. */
function startAndKeepSocket(port: number, token: string, key: string) {
  const socket = connect(port, '127.0.0.1');
  socket.on('error', () => {});
  socket.write(
    `POST /v3/jobs/stop HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${token}\r\n` +
      `Idempotency-Key: ${key}\r\nContent-Type: application/json\r\n` +
      `Content-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
  );
  return socket;
}

/** Rejects when `p` has not settled within `ms`: a hang is a failure, not a test timeout. */
function within<T>(ms: number, p: Promise<T>): Promise<T> {
  return Promise.race([
    p,
    new Promise<T>((_, reject) =>
      setTimeout(() => reject(new Error(`no answer within ${ms} ms`)), ms),
    ),
  ]);
}

const retry = (g: ListeningApp, token: string, key: string) =>
  send(g.port, {
    method: 'POST',
    path: '/v3/jobs/stop',
    headers: { authorization: `Bearer ${token}`, 'idempotency-key': key },
    body,
  });

describe('Idempotency-Key after a client disconnect', () => {
  it('a retry gets the stored answer once the abandoned first request completes', async () => {
    gw = await listeningApp();
    const gate = holdStopMany(gw);
    const token = await gw.issuer.token('idem-1');
    const key = `key-${Date.now()}-a`;
    const socket = startAndKeepSocket(gw.port, token, key);
    await gate.entered;
    socket.destroy(); // the client goes away mid-request
    await new Promise((r) => setTimeout(r, 100));
    gate.open();

    const res = await within(5_000, retry(gw, token, key));
    expect(res.status).toBe(200);
    expect(res.headers['idempotent-replayed']).toBe('true');
    expect(JSON.parse(res.text)).toEqual({
      mode: 'cancel',
      whatIf: true,
      status: 'NO_JOBS_RUNNING',
      message: 'no job executions are currently running that match names=[idem-*]',
      results: [],
    });
    expect(gate.calls()).toBe(1); // carried out once
  });

  it('a retry while the first still runs waits a bounded time, then 409 with Retry-After', async () => {
    gw = await listeningApp({ http: { idempotentRetryWaitMs: 500 } });
    const gate = holdStopMany(gw);
    const token = await gw.issuer.token('idem-2');
    const key = `key-${Date.now()}-b`;
    const socket = startAndKeepSocket(gw.port, token, key);
    await gate.entered;
    socket.destroy();

    const started = Date.now();
    const res = await within(5_000, retry(gw, token, key));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(res.status).toBe(409);
    expect(JSON.parse(res.text).error).toMatchObject({ code: 'IDEMPOTENCY_KEY_IN_USE' });
    expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
    expect(gate.calls()).toBe(1); // the retry did not run beside the first

    // Once the first completes, the same key answers with its result.
    gate.open();
    await new Promise((r) => setTimeout(r, 100));
    const after = await within(5_000, retry(gw, token, key));
    expect(after.status).toBe(200);
    expect(after.headers['idempotent-replayed']).toBe('true');
    expect(gate.calls()).toBe(1);
  });

  it('a request that failed with 5xx frees its key for a retry, which runs again', async () => {
    gw = await listeningApp();
    const jobs = gw.app.jobs;
    const original = jobs.stopMany.bind(jobs);
    let calls = 0;
    jobs.stopMany = async (...args: Parameters<typeof original>) => {
      calls++;
      if (calls === 1) throw new Error('boom');
      return original(...args);
    };
    const token = await gw.issuer.token('idem-3');
    const key = `key-${Date.now()}-c`;
    expect((await within(5_000, retry(gw, token, key))).status).toBe(500);
    const second = await within(5_000, retry(gw, token, key));
    expect(second.status).toBe(200);
    expect(second.headers['idempotent-replayed']).toBeUndefined();
    expect(calls).toBe(2);
  });
});

describe('Idempotency-Key on a submit whose answer was never stored', () => {
  it('a retry returns the job the key created, never a second job', async () => {
    gw = await listeningApp();
    // An enrolled account (a key file is all the gateway looks for before it submits).
    const keysDir = gw.app.systems.get('offline')!.config.userKeysDir;
    writeFileSync(join(keysDir, 'alice'), 'not a real key\n', { mode: 0o600 });
    const token = await gw.issuer.token('alice');
    const submit = () =>
      send(gw!.port, {
        method: 'POST',
        path: '/v3/jobs/submit',
        headers: { authorization: `Bearer ${token}`, 'idempotency-key': 'submit-key-1' },
        body: JSON.stringify({ name: 'once', execSystemId: 'offline', command: 'true' }),
      });
    const first = await submit();
    expect(first.status).toBe(201);
    const job = JSON.parse(first.text) as { id: string };
    // What a gateway that died between creating the job and storing its answer leaves behind.
    await gw.app.store.pruneIdempotentResponses(new Date(Date.now() + 60_000).toISOString());
    expect(await gw.app.store.getIdempotentResponse('alice', 'submit-key-1')).toBeUndefined();

    const again = await submit();
    expect(again.status).toBe(201);
    expect((JSON.parse(again.text) as { id: string }).id).toBe(job.id);
    const page = await gw.app.store.list('alice', { limit: 10 } as never);
    expect(page.jobs.map((j) => j.id)).toEqual([job.id]);
  });
});
