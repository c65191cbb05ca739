import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { gateway, run, useNock } from '../../fixtures.js';
import { aDelivery, aSubscription } from './fixtures.js';

useNock();

describe('subscriptions deliveries', () => {
  it('prints the log, the last attempt saying how it went', async () => {
    gateway()
      .get(`/v3/jobs/subscriptions/${aSubscription.id}/deliveries`)
      .query({ limit: '5' })
      .reply(200, { deliveries: [aDelivery], nextCursor: null });
    const r = await run(['subscriptions', 'deliveries', aSubscription.id, '--limit', '5']);
    expect(r.code).toBe(ExitCode.OK);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +EVENT +JOB_ID +STATE +ATTEMPTS +LAST +CREATED$/);
    expect(lines[1]).toMatch(/STATUS_CHANGED +\S+ +pending +1 +HTTP 503 +2026-11-23T10:00:01Z$/);
  });

  it('--json prints the page with every attempt', async () => {
    const page = { deliveries: [aDelivery], nextCursor: '42' };
    gateway().get(`/v3/jobs/subscriptions/${aSubscription.id}/deliveries`).reply(200, page);
    const r = await run(['subscriptions', 'deliveries', aSubscription.id, '--json']);
    expect(r.json()).toEqual(page);
  });
});
