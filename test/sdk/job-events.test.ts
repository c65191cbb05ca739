import { Hpcgate, type JobStreamEvent, NotFoundError } from '@hpcgate/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, type RunningGateway, startGateway } from '../support/gateway.js';
import { createIssuer } from '../support/tokens.js';

// The SDK's event stream against the real gateway and cluster: a job followed from submit to its
// end, waitForJob told by the stream, and another user's job refused.
const env = readClusterEnv();
let gateway: RunningGateway;
let alice: Hpcgate;
let bob: Hpcgate;

beforeAll(async () => {
  const issuer = await createIssuer();
  gateway = await startGateway(gatewayConfigFor(env, issuer.jwksFile));
  alice = new Hpcgate({ baseUrl: gateway.url, tokenProvider: () => issuer.token('alice') });
  bob = new Hpcgate({ baseUrl: gateway.url, tokenProvider: () => issuer.token('bob') });
});
afterAll(async () => {
  await gateway?.close();
});

describe('job events through the SDK', () => {
  it('follows a job from submit to `end`; waitForJob returns it FINISHED', async () => {
    const job = await alice.jobs.submitJob({
      name: 'events-e2e',
      execSystemId: env.cluster,
      command: 'sleep 2',
    });
    const waited = alice.jobs.waitForJob({ jobId: job.id, timeoutMs: 60_000 });
    const stream = alice.jobs.events({ jobId: job.id }, { signal: AbortSignal.timeout(60_000) });
    const events: JobStreamEvent[] = [];
    for await (const e of stream) events.push(e);
    expect(stream.end).toEqual({ jobId: job.id, status: 'FINISHED' });
    expect(events[0]?.event).toBe('JOB_CREATED');
    expect(events.map((e) => e.status)).toContain('RUNNING');
    expect(events.at(-1)?.status).toBe('FINISHED');
    expect(events.map((e) => e.seq)).toEqual([...events.map((e) => e.seq)].sort((a, b) => a - b));
    expect((await waited).status).toBe('FINISHED');

    // Resumed after the last event: nothing more, just the end.
    const again = alice.jobs.events({ jobId: job.id }, { lastEventId: stream.lastEventId });
    const more: JobStreamEvent[] = [];
    for await (const e of again) more.push(e);
    expect(more).toEqual([]);
    expect(again.end?.status).toBe('FINISHED');

    const other = bob.jobs.events({ jobId: job.id });
    await expect(
      (async () => {
        for await (const _ of other) {
        }
      })(),
    ).rejects.toBeInstanceOf(NotFoundError);
  }, 90_000);
});
