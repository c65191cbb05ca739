import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStream, type Sse } from '../events/sse-client.js';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Live logs on the real sandbox cluster: a job writes lines, clients follow them over real HTTP.
let h: Harness;
let port: number;
beforeAll(async () => {
  h = await startHarness();
  await h.app.listen({ host: '127.0.0.1', port: 0 });
  port = (h.app.server.address() as { port: number }).port;
});
afterAll(() => h?.close());

const running = hasStatus('RUNNING');
const auth = async (user: string) => ({ authorization: `Bearer ${await h.issuer.token(user)}` });
const logs = (events: Sse[]) =>
  events.filter((e) => e.event === 'log').map((e) => JSON.parse(e.data!));
const text = (events: Sse[]) =>
  logs(events)
    .map((c: { text: string }) => c.text)
    .join('');
const ended = (events: Sse[]) => events.some((e) => e.event === 'end');

/**
 * The remote followers (`tail -c +N -f`) running as `account` now; not the short `tail -c +N`
 * reads that other tests' downloads and log copies run meanwhile.
 */
async function remoteTails(account: string): Promise<number> {
  const r = await h.as(account).exec(`pgrep -u "$(id -u)" -f '^tail -c [+][0-9]+ -f ' | wc -l`);
  return Number(r.stdout.trim());
}

describe('GET /v3/jobs/{id}/logs', () => {
  it('follows stdout from submission to the end, whole lines with byte offsets, then end', async () => {
    const job = await h.submit('alice', {
      name: 'live-log',
      command: 'for i in 1 2 3 4 5; do echo "line-$i é"; sleep 0.3; done; echo done-err >&2',
    });
    const s = await openStream(port, `/v3/jobs/${job.id}/logs?follow=true`, await auth('alice'));
    expect(s.status).toBe(200);
    expect(s.headers['content-type']).toMatch(/text\/event-stream/);
    const events = await s.until(ended, 30_000);
    const expected = [1, 2, 3, 4, 5].map((i) => `line-${i} é\n`).join('');
    expect(text(events)).toBe(expected);
    // Offsets count bytes and follow each other; the SSE id is the offset after the event.
    let at = 0;
    for (const e of events.filter((x) => x.event === 'log')) {
      const chunk = JSON.parse(e.data!);
      expect(chunk.offset).toBe(at);
      at = chunk.next;
      expect(e.id).toBe(String(chunk.next));
    }
    expect(at).toBe(Buffer.byteLength(expected));
    const end = JSON.parse(events.at(-1)!.data!);
    expect(end).toMatchObject({ jobId: job.id, status: 'FINISHED', offset: at, source: 'cluster' });
    await s.ended;
    await expect.poll(() => remoteTails('alice')).toBe(0);

    // stderr, after the job: what is there, then end.
    const err = await openStream(
      port,
      `/v3/jobs/${job.id}/logs?stream=stderr`,
      await auth('alice'),
    );
    expect(text(await err.until(ended))).toBe('done-err\n');
  });

  it('one remote reader however many follow; it stops when the last client leaves', async () => {
    const job = await h.submit('alice', {
      name: 'shared-log',
      command: 'i=0; while :; do i=$((i+1)); echo "tick $i"; sleep 0.2; done',
    });
    await h.waitFor('alice', job.id, running);
    const a = await openStream(port, `/v3/jobs/${job.id}/logs?follow=true`, await auth('alice'));
    const b = await openStream(port, `/v3/jobs/${job.id}/logs?follow=true`, await auth('alice'));
    await a.until((e) => logs(e).length >= 3);
    await b.until((e) => logs(e).length >= 3);
    expect(h.app.outputs.readers.size).toBe(1);
    expect(await remoteTails('alice')).toBe(1);

    // Resuming after the first event gives the rest, without the first again.
    const first = a.events.find((e) => e.event === 'log')!;
    const resumed = await openStream(port, `/v3/jobs/${job.id}/logs?follow=true`, {
      ...(await auth('alice')),
      'last-event-id': first.id!,
    });
    const more = await resumed.until((e) => logs(e).length >= 2);
    expect(logs(more)[0].offset).toBe(Number(first.id));
    const lastSeen = Number(/tick (\d+)\n$/.exec(JSON.parse(first.data!).text)![1]);
    expect(text(more)).toMatch(new RegExp(`^tick ${lastSeen + 1}\n`));
    expect(h.app.outputs.readers.size).toBe(1);

    a.close();
    b.close();
    resumed.close();
    await expect.poll(() => h.app.outputs.readers.size).toBe(0);
    await expect.poll(() => remoteTails('alice')).toBe(0);
    await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {});
  });

  it('without follow: what is written so far, then end, while the job still runs', async () => {
    const job = await h.submit('alice', { name: 'so-far', command: 'echo first; sleep 30' });
    await h.waitFor('alice', job.id, running);
    await expect
      .poll(async () => {
        const s = await openStream(port, `/v3/jobs/${job.id}/logs`, await auth('alice'));
        return text(await s.until(ended));
      })
      .toBe('first\n');
    await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {});
  });

  it("another user's job is 404; a bad stream name is 400", async () => {
    const job = await h.submit('alice', { name: 'private-log', command: 'echo mine' });
    const other = await openStream(port, `/v3/jobs/${job.id}/logs?follow=true`, await auth('bob'));
    expect(other.status).toBe(404);
    expect(JSON.parse(await other.body).error.code).toBe('JOB_NOT_FOUND');
    const bad = await openStream(port, `/v3/jobs/${job.id}/logs?stream=../x`, await auth('alice'));
    expect(bad.status).toBe(400);
  });
});
