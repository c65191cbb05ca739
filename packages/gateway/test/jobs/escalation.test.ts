import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';
import { sandboxSystem, testConfig } from '../helpers/sandbox-config.js';
import { createTestIssuer } from '../helpers/tokens.js';

// Escalating stops on the real sandbox cluster: interrupt first, then force-stop if the job
// ignores it.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const running = hasStatus('RUNNING');
const over = hasStatus('FINISHED', 'FAILED', 'CANCELLED');
const IGNORES_INT = "trap '' INT; echo up; while :; do sleep 0.2; done";

async function events(user: string, jobId: string) {
  const res = await h.call(user, 'GET', `/v3/jobs/${jobId}/history`);
  return res.body.events as Array<{ event: string; description: string; actor: string | null }>;
}

describe('POST /v3/jobs/{id}/cancel with escalate', () => {
  it('an interrupt the job ignores is escalated to force-stop after 3 s; history shows both steps', async () => {
    const job = await h.submit('alice', { name: 'escalate-me', command: IGNORES_INT });
    await h.waitFor('alice', job.id, running);
    const res = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {
      mode: 'interrupt',
      escalate: { afterSeconds: 3, to: 'force-stop' },
    });
    expect(res.status).toBe(202);
    expect(res.body.stopRequest).toMatchObject({
      mode: 'interrupt',
      escalation: { steps: [{ afterSeconds: 3, to: 'force-stop' }] },
    });
    // The interrupt reached it, and it went on.
    expect(res.body.status).toBe('RUNNING');
    const ended = await h.waitFor('alice', job.id, over, 30_000);
    expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'FORCE_STOPPED_BY_USER' });
    expect(await h.squeueState(ended.remoteJobId!)).not.toMatch(/RUNNING|COMPLETING/);
    const history = await events('alice', job.id);
    const stops = history.filter((e) => e.event.startsWith('STOP_')).map((e) => e.event);
    expect(stops).toEqual([
      'STOP_REQUESTED',
      'STOP_SIGNALLED',
      'STOP_ESCALATED',
      'STOP_REQUESTED',
      'STOP_SIGNALLED',
    ]);
    const escalated = history.find((e) => e.event === 'STOP_ESCALATED')!;
    expect(escalated.description).toMatch(/^still RUNNING 3 s after interrupt .*: force-stop$/);
    expect(history.filter((e) => e.event === 'STOP_REQUESTED').map((e) => e.actor)).toEqual([
      'alice',
      'alice',
    ]);
  });

  it('a job that obeys the interrupt is never escalated', async () => {
    const job = await h.submit('alice', {
      name: 'obeys-int',
      command: "trap 'exit 0' INT; while :; do sleep 0.2; done",
    });
    await h.waitFor('alice', job.id, running);
    await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {
      mode: 'interrupt',
      escalate: { afterSeconds: 1, to: 'force-stop' },
    });
    const ended = await h.waitFor('alice', job.id, over);
    expect(ended.condition).toBe('INTERRUPTED_BY_USER');
    // Past the step's time: still nothing escalated.
    await new Promise((r) => setTimeout(r, 1_500));
    expect((await events('alice', job.id)).map((e) => e.event)).not.toContain('STOP_ESCALATED');
  });

  it.each([
    [{ mode: 'force-stop', escalate: { afterSeconds: 3, to: 'cancel' } }],
    [
      {
        mode: 'interrupt',
        escalate: [
          { afterSeconds: 3, to: 'terminate' },
          { afterSeconds: 3, to: 'force-stop' },
        ],
      },
    ],
    [{ mode: 'interrupt', escalate: { afterSeconds: 0, to: 'force-stop' } }],
    [{ mode: 'interrupt', escalate: { afterSeconds: 3, to: 'interrupt' } }],
  ])('refuses an escalation that is not stronger step by step: %j', async (body) => {
    const job = await h.submit('alice', { name: 'bad-escalation', command: 'sleep 30' });
    const res = await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    await h.call('alice', 'POST', `/v3/jobs/${job.id}/cancel`, {});
  });
});

describe('an escalation outlives a gateway restart', () => {
  let app: FastifyInstance | undefined;
  afterAll(async () => {
    await app?.close();
  });

  it('the gateway that comes back sends the step when it is due', async () => {
    const issuer = await createTestIssuer();
    const system = sandboxSystem();
    const sqlitePath = join(mkdtempSync(join(tmpdir(), 'hpcgate-escalate-')), 'gateway.db');
    const config = testConfig([system], issuer.jwksFile, sqlitePath);
    const auth = { authorization: `Bearer ${await issuer.token('alice')}` };
    app = await buildApp(config);
    const submitted = await app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: auth,
      payload: { name: 'escalate-restart', execSystemId: system.id, command: IGNORES_INT },
    });
    const jobId = submitted.json().id as string;
    await expect
      .poll(
        async () => (await app!.inject({ url: `/v3/jobs/${jobId}`, headers: auth })).json().status,
        {
          timeout: 30_000,
        },
      )
      .toBe('RUNNING');
    const res = await app.inject({
      method: 'POST',
      url: `/v3/jobs/${jobId}/cancel`,
      headers: auth,
      payload: { mode: 'interrupt', escalate: { afterSeconds: 3, to: 'force-stop' } },
    });
    expect(res.statusCode).toBe(202);
    // The gateway goes away before the step is due, and another one comes up on the same store.
    await app.close();
    app = await buildApp(config);
    await expect
      .poll(async () => (await app!.inject({ url: `/v3/jobs/${jobId}`, headers: auth })).json(), {
        timeout: 30_000,
        interval: 200,
      })
      .toMatchObject({ status: 'CANCELLED', condition: 'FORCE_STOPPED_BY_USER' });
  });
});
