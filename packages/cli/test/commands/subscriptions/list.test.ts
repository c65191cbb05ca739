import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, gateway, run, useNock } from '../../fixtures.js';
import { aSubscription } from './fixtures.js';

useNock();

const second = {
  ...aSubscription,
  id: '1c6f4d2b-0e3a-4f7c-9b8d-2e3f4a5b6c7d',
  events: ['*'],
  jobId: aJob.id,
  selector: null,
};

describe('subscriptions list', () => {
  it('prints every subscription, page after page, as a table', async () => {
    gateway()
      .get('/v3/jobs/subscriptions')
      .reply(200, { subscriptions: [aSubscription], nextCursor: 'c1' })
      .get('/v3/jobs/subscriptions')
      .query({ cursor: 'c1' })
      .reply(200, { subscriptions: [second], nextCursor: null });
    const r = await run(['subscriptions', 'list']);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +URL +EVENTS +JOBS +CREATED$/);
    expect(lines[1]).toMatch(
      new RegExp(
        `^${aSubscription.id} +https://hooks.example.org/hpc +STATUS_CHANGED +name=sweep-\\* tags=lr +2026-11-23T10:00:00Z$`,
      ),
    );
    expect(lines[2]).toMatch(new RegExp(`\\* +job ${aJob.id}`));
  });

  it('--json prints { subscriptions }; none is an empty table', async () => {
    gateway()
      .get('/v3/jobs/subscriptions')
      .reply(200, { subscriptions: [aSubscription], nextCursor: null });
    const r = await run(['subscriptions', 'list', '--json']);
    expect(r.json()).toEqual({ subscriptions: [aSubscription] });
    gateway().get('/v3/jobs/subscriptions').reply(200, { subscriptions: [], nextCursor: null });
    expect((await run(['subscriptions', 'list'])).out).toBe('(none)\n');
  });
});
