import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import { WEBHOOKS_LEASE } from '../coordination/leases.js';
import { SubscriptionService } from '../webhooks/subscription-service.js';

declare module 'fastify' {
  interface FastifyInstance {
    webhooks: SubscriptionService;
  }
}

/**
 * Webhook subscriptions and their deliverer. The deliverer starts once the app is ready (it
 * resumes pending deliveries and follows every job change from the jobs service) and stops
 * before the store closes.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const service = new SubscriptionService(
      fastify.subscriptionStore,
      fastify.store,
      opts.config.webhooks,
      fastify.log.child({ component: 'webhooks' }),
    );
    fastify.decorate('webhooks', service);
    // Replicas: one feeds and sends, the holder of the webhooks lease (every delivery once);
    // another takes over (resuming what is pending) when it goes.
    const lease = fastify.coordination.lease(WEBHOOKS_LEASE);
    let following = Promise.resolve();
    let unwatch = () => {};
    const follow = (held: boolean) => {
      following = following
        .then(() =>
          held
            ? service.start((wake) => fastify.jobs.events.subscribeAll(() => wake()))
            : service.close(),
        )
        .catch((err: Error) =>
          fastify.log.warn({ err: err.message }, 'webhook delivery could not start or stop'),
        );
    };
    fastify.addHook('onReady', async () => {
      unwatch = lease.onChange(follow);
      // Held already (one process, or a lease taken at start): delivering once ready.
      await following;
    });
    fastify.addHook('preClose', async () => {
      unwatch();
      await following;
      await service.close();
    });
  },
  { name: 'webhooks', dependencies: ['store', 'jobs', 'coordination'] },
);
