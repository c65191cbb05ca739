import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';
import { aSubscription } from './fixtures.js';

useNock();

const missing = '0e0e0e0e-0000-4000-8000-000000000000';

describe('subscriptions rm', () => {
  it('deletes each id, says so', async () => {
    gateway().delete(`/v3/jobs/subscriptions/${aSubscription.id}`).reply(204);
    const r = await run(['subscriptions', 'rm', aSubscription.id]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe(`deleted subscription ${aSubscription.id}\n`);
  });

  it("one not found (or someone else's): exit 2, the others are still deleted", async () => {
    gateway()
      .delete(`/v3/jobs/subscriptions/${missing}`)
      .reply(404, apiError('SUBSCRIPTION_NOT_FOUND', `subscription ${missing} not found`))
      .delete(`/v3/jobs/subscriptions/${aSubscription.id}`)
      .reply(204);
    const r = await run(['subscriptions', 'rm', missing, aSubscription.id]);
    expect(r.code).toBe(ExitCode.NOT_FOUND);
    expect(r.out).toBe(`deleted subscription ${aSubscription.id}\n`);
    expectOneErrorLine(r.err, new RegExp(`subscription ${missing} not found`));
  });

  it('--json: one result per id', async () => {
    gateway().delete(`/v3/jobs/subscriptions/${aSubscription.id}`).reply(204);
    const r = await run(['subscriptions', 'rm', aSubscription.id, '--json']);
    expect(r.json()).toEqual({
      results: [{ subscriptionId: aSubscription.id, deleted: true, message: null }],
    });
  });

  it('no id is a usage error', async () => {
    const r = await run(['subscriptions', 'rm']);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /name the subscriptions/);
  });
});
