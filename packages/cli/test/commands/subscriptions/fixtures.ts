import type { Delivery, Subscription } from '@hpcgate/sdk';

/** A subscription as the gateway returns it, for nock replies. */
export const aSubscription: Subscription = {
  id: '0b5e3c1a-9d2f-4e6b-8a7c-1d2e3f4a5b6c',
  owner: 'alice',
  url: 'https://hooks.example.org/hpc',
  events: ['STATUS_CHANGED'],
  jobId: null,
  selector: { name: 'sweep-*', tags: ['lr'] },
  created: '2026-11-23T10:00:00.000Z',
};

export const aDelivery: Delivery = {
  id: '7c9e6679-7425-40de-944b-e07fc1f90ae7',
  subscriptionId: aSubscription.id,
  eventId: 42,
  jobId: '6f1c1d2e-8a4b-4c3d-9e8f-0a1b2c3d4e5f',
  event: 'STATUS_CHANGED',
  state: 'pending',
  created: '2026-11-23T10:00:01.000Z',
  nextAttemptAt: '2026-11-23T10:00:03.000Z',
  error: null,
  attempts: [
    {
      attempt: 1,
      at: '2026-11-23T10:00:01.000Z',
      statusCode: 503,
      error: 'HTTP 503',
      durationMs: 4,
    },
  ],
};
