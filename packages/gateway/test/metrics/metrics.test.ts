import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Harness, startHarness } from '../helpers/harness.js';
import { createTestIssuer } from '../helpers/tokens.js';
import { offlineConfig } from '../http/offline-app.js';

/** `name{labels} value` lines of the exposition format, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('/metrics against the real sandbox cluster', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness({}, { outputs: { collect: false }, metrics: { enabled: true } });
  });
  afterAll(() => h.close());

  async function scrape() {
    const res = await h.app.inject({ method: 'GET', url: '/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain; version=0\.0\.4/);
    return samples(res.body);
  }

  it('counts answers by route pattern, and reads polls, SSH and streams from their owners', async () => {
    const before = await scrape();
    const job = await h.submit('alice', { name: 'metrics', command: 'echo hi' });
    await h.waitFor('alice', job.id, (j) => j.status === 'FINISHED');
    await h.call('alice', 'GET', `/v3/jobs/${job.id}`);
    await h.call('alice', 'GET', '/v3/jobs/00000000-0000-4000-8000-000000000000');
    const after = await scrape();

    const submits =
      'hpcgate_http_requests_total{method="POST",route="/v3/jobs/submit",status="201"}';
    expect((after.get(submits) ?? 0) - (before.get(submits) ?? 0)).toBe(1);
    // Paths never become labels: both GETs of one job are under the route's pattern.
    expect(
      after.get('hpcgate_http_requests_total{method="GET",route="/v3/jobs/:jobId",status="404"}'),
    ).toBe(1);
    expect([...after.keys()].some((k) => k.includes(job.id))).toBe(false);
    expect(after.get('hpcgate_poll_cycles_total{system="sandbox"}')).toBeGreaterThan(0);
    expect(after.get('hpcgate_poll_cycle_commands{system="sandbox"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('hpcgate_poll_cycle_duration_seconds{system="sandbox"}')).toBeGreaterThan(0);
    expect(after.get('hpcgate_ssh_commands_total{system="sandbox"}')).toBeGreaterThan(
      before.get('hpcgate_ssh_commands_total{system="sandbox"}') ?? 0,
    );
    expect(after.get('hpcgate_ssh_connections{system="sandbox"}')).toBeGreaterThanOrEqual(1);
    expect(after.get('hpcgate_ssh_connections_max{system="sandbox"}')).toBe(32);
    expect(after.get('hpcgate_stream_clients{kind="events"}')).toBe(0);
    expect(after.has('process_cpu_seconds_total')).toBe(true);
  });

  it('counts an open event stream while it is open', async () => {
    const url = await h.app.listen({ host: '127.0.0.1', port: 0 });
    const stream = new AbortController();
    const res = await fetch(`${url}/v3/jobs/events`, {
      headers: { authorization: `Bearer ${await h.issuer.token('alice')}` },
      signal: stream.signal,
    });
    expect(res.status).toBe(200);
    expect((await scrape()).get('hpcgate_stream_clients{kind="events"}')).toBe(1);
    stream.abort();
  });
});

describe('/metrics by default', () => {
  it('is not served: it is turned on in the config', async () => {
    const app = await buildApp(offlineConfig(await createTestIssuer()));
    try {
      expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
    } finally {
      await app.close();
    }
  });
});
