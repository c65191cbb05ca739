import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// POST /v3/jobs/stop on the real sandbox.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const sleeper = '#!/bin/bash\nsleep 300\n';

describe('bulk stop', () => {
  it('answers queued jobs CANCELLED from the stop command’s own read-back: no look after it', async () => {
    const held = '#!/bin/bash\n#SBATCH --hold\ntrue\n';
    const jobs = await Promise.all(
      [1, 2, 3].map((i) => h.submit('carol', { name: `held-bulk-${i}`, script: held })),
    );
    for (const j of jobs) await h.waitFor('carol', j.id, hasStatus('PENDING'));
    const ids = new Set(jobs.map((j) => j.id));
    // Looks at some jobs (a stop's refresh, focused looks) pass no options; whole cycles do.
    const scheduler = h.app.systems.get(h.system.id)!.scheduler;
    const poll = scheduler.poll.bind(scheduler);
    let looks = 0;
    scheduler.poll = (asked, accounts, options) => {
      if (!options && asked.some((j) => ids.has(j.gatewayJobId))) looks++;
      return poll(asked, accounts, options);
    };
    try {
      const res = await h.call('carol', 'POST', '/v3/jobs/stop', { selector: { ids: [...ids] } });
      expect(res.status).toBe(200);
      expect(res.body.results).toHaveLength(3);
      for (const r of res.body.results) {
        expect(r).toMatchObject({ outcome: 'stopped', status: 'CANCELLED' });
      }
      await new Promise((r) => setTimeout(r, 300));
      expect(looks).toBe(0);
    } finally {
      scheduler.poll = poll;
    }
    for (const j of jobs) {
      expect((await h.call('carol', 'GET', `/v3/jobs/${j.id}`)).body).toMatchObject({
        status: 'CANCELLED',
        condition: 'CANCELLED_BY_USER',
      });
    }
  });

  it('what-if lists, then stops only the caller’s jobs that match the wildcard', async () => {
    const user = `bulk-${Date.now()}`;
    const sweep = await Promise.all(
      ['sweep-1', 'sweep-2', 'sweep-3'].map((name) => h.submit(user, { name, script: sleeper })),
    );
    const keep = await h.submit(user, { name: 'keep-me', script: sleeper });
    const others = await h.submit('someone-else', { name: 'sweep-9', script: sleeper });
    for (const j of [...sweep, keep]) await h.waitFor(user, j.id, hasStatus('RUNNING'));
    await h.waitFor('someone-else', others.id, hasStatus('RUNNING'));

    const whatIf = await h.call(user, 'POST', '/v3/jobs/stop', {
      selector: { names: ['sweep-*'], status: ['RUNNING'] },
      whatIf: true,
    });
    expect(whatIf.status).toBe(200);
    expect(whatIf.body.whatIf).toBe(true);
    expect(whatIf.body.results.map((r: { name: string }) => r.name).sort()).toEqual([
      'sweep-1',
      'sweep-2',
      'sweep-3',
    ]);
    expect(whatIf.body.results.every((r: { outcome: string }) => r.outcome === 'would_stop')).toBe(
      true,
    );
    // Nothing was stopped.
    for (const j of sweep) {
      expect((await h.call(user, 'GET', `/v3/jobs/${j.id}`)).body.status).toBe('RUNNING');
    }

    const real = await h.call(user, 'POST', '/v3/jobs/stop', {
      selector: { names: ['sweep-*'] },
      mode: 'cancel',
    });
    expect(real.status).toBe(200);
    expect(real.body.results).toHaveLength(3);
    expect(real.body.results.every((r: { outcome: string }) => r.outcome === 'stopped')).toBe(true);
    for (const j of sweep) {
      const ended = await h.waitFor(user, j.id, hasStatus('CANCELLED'));
      expect(ended.condition).toBe('CANCELLED_BY_USER');
      expect(await h.squeueState(ended.remoteJobId!)).toBe('');
    }
    expect((await h.call(user, 'GET', `/v3/jobs/${keep.id}`)).body.status).toBe('RUNNING');
    expect((await h.call('someone-else', 'GET', `/v3/jobs/${others.id}`)).body.status).toBe(
      'RUNNING',
    );

    // Again: nothing left to stop, nothing changes, still a success.
    const again = await h.call(user, 'POST', '/v3/jobs/stop', { selector: { names: ['sweep-*'] } });
    expect(again.status).toBe(200);
    expect(
      again.body.results.map((r: { outcome: string; status: string }) => [r.outcome, r.status]),
    ).toEqual([
      ['not_cancellable', 'CANCELLED'],
      ['not_cancellable', 'CANCELLED'],
      ['not_cancellable', 'CANCELLED'],
    ]);

    const nothing = await h.call(user, 'POST', '/v3/jobs/stop', {
      selector: { names: ['nope-*'] },
    });
    expect(nothing.status).toBe(200);
    expect(nothing.body.results).toEqual([]);
  });

  it('an empty selector is refused rather than stopping everything', async () => {
    const res = await h.call('x', 'POST', '/v3/jobs/stop', { selector: {} });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('Idempotency-Key', () => {
  it('a retried submit returns the first job and creates no second one', async () => {
    const user = `idem-${Date.now()}`;
    const body = { name: 'once', execSystemId: h.system.id, command: 'true' };
    const send = async (key: string, payload: object = body) =>
      h.app.inject({
        method: 'POST',
        url: '/v3/jobs/submit',
        headers: { authorization: `Bearer ${await h.issuer.token(user)}`, 'idempotency-key': key },
        payload,
      });
    const [a, b] = await Promise.all([send('key-00000001'), send('key-00000001')]);
    expect(a.statusCode).toBe(201);
    expect(b.statusCode).toBe(201);
    expect(b.json().id).toBe(a.json().id);
    const c = await send('key-00000001');
    expect(c.headers['idempotent-replayed']).toBe('true');
    expect(c.json().id).toBe(a.json().id);
    const list = await h.call(user, 'GET', '/v3/jobs/list');
    expect(list.body.jobs).toHaveLength(1);

    const reused = await send('key-00000001', { ...body, name: 'different' });
    expect(reused.statusCode).toBe(422);
    expect(reused.json().error.code).toBe('IDEMPOTENCY_KEY_REUSED');

    const fresh = await send('key-00000002');
    expect(fresh.json().id).not.toBe(a.json().id);
    const bad = await send('x');
    expect(bad.statusCode).toBe(400);
  });
});
