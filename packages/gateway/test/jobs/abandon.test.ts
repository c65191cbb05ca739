import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// A bulk stop as a safe "abandon" (docs/stopping.md#abandon), on the real sandbox cluster.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const abandon = (user: string, body: Record<string, unknown>) =>
  h.call(user, 'POST', '/v3/jobs/stop', body);

describe('abandon: POST /v3/jobs/stop', () => {
  it('when nothing runs: 200 NO_JOBS_RUNNING, with a message naming the selector', async () => {
    const res = await abandon('carol', { selector: { names: ['nightly-*'] } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      mode: 'cancel',
      whatIf: false,
      status: 'NO_JOBS_RUNNING',
      message: 'no job executions are currently running that match names=[nightly-*]',
      results: [],
    });
    const whatIf = await abandon('carol', { selector: { names: ['nightly-*'] }, whatIf: true });
    expect(whatIf.body).toMatchObject({ whatIf: true, status: 'NO_JOBS_RUNNING', results: [] });
  });

  it('when some run: STOPPED (WOULD_STOP first with whatIf); once they ended, NO_JOBS_RUNNING again', async () => {
    const jobs = await Promise.all(
      ['nightly-a', 'nightly-b'].map((name) => h.submit('alice', { name, command: 'sleep 300' })),
    );
    for (const j of jobs) await h.waitFor('alice', j.id, hasStatus('RUNNING'));
    const selector = { names: ['nightly-*'], status: ['RUNNING'] };

    const preview = await abandon('alice', { selector, whatIf: true });
    expect(preview.body).toMatchObject({
      status: 'WOULD_STOP',
      message: 'would cancel 2 job executions that match names=[nightly-*], status=[RUNNING]',
    });
    const stopped = await abandon('alice', { selector });
    expect(stopped.status).toBe(200);
    expect(stopped.body.status).toBe('STOPPED');
    expect(stopped.body.message).toBe(
      'cancel requested for 2 job executions that match names=[nightly-*], status=[RUNNING]',
    );
    expect(stopped.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'stopped',
      'stopped',
    ]);
    for (const j of jobs) {
      const ended = await h.waitFor('alice', j.id, hasStatus('CANCELLED'));
      expect(await h.squeueState(ended.remoteJobId!)).toBe('');
    }

    const again = await abandon('alice', { selector: { names: ['nightly-*'] } });
    expect(again.status).toBe(200);
    expect(again.body.status).toBe('NO_JOBS_RUNNING');
    expect(again.body.message).toBe(
      'no job executions are currently running that match names=[nightly-*] (2 matching jobs have already ended)',
    );
    expect(again.body.results.map((r: { outcome: string }) => r.outcome)).toEqual([
      'not_cancellable',
      'not_cancellable',
    ]);
  });
});
