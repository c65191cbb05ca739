import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
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
    fastify.addHook('onReady', async () =>
      service.start((wake) => fastify.jobs.events.subscribeAll(() => wake())),
    );
    fastify.addHook('preClose', async () => service.close());
  },
  { name: 'webhooks', dependencies: ['store', 'jobs'] },
);
