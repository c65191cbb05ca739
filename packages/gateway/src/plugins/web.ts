import { webAssetsDir } from '@hpcgate/web';
import fp from 'fastify-plugin';
import type { GatewayConfig } from '../config/schema.js';
import authRoutes from '../routes/auth.js';
import webPageRoutes from '../routes/web-page.js';
import { StaticAssets } from '../web/static-assets.js';
import { RateLimitedError, TokenBucketLimiter } from './rate-limit.js';

const PURGE_EVERY_MS = 3_600_000;

/**
 * The web page and its sign-in, with `web` in the config: the built page (read at boot: a gateway
 * configured for it does not start without it) and the `/auth` routes over `fastify.webSessions`.
 */
export default fp(
  async (fastify, opts: { config: GatewayConfig }) => {
    const { web } = opts.config;
    const sessions = fastify.webSessions;
    if (!web || !sessions) return;
    const assets = new StaticAssets(web.assetsDir ?? webAssetsDir);
    await fastify.register(webPageRoutes, { assets });
    // Per client address: anyone may start a sign-in, and each one is kept for a while.
    const logins = new TokenBucketLimiter(web.loginLimit);
    const limitLogin = (address: string) => {
      const taken = logins.take(`ip:${address}`);
      if (!taken.allowed) throw new RateLimitedError(taken.retryAfterSec);
    };
    await fastify.register(authRoutes, { prefix: '/auth', sessions, limitLogin });
    const purge = setInterval(() => {
      sessions.purge().catch((err: unknown) => fastify.log.warn({ err }, 'session purge failed'));
    }, PURGE_EVERY_MS);
    purge.unref();
    fastify.addHook('onClose', async () => clearInterval(purge));
  },
  { name: 'web', dependencies: ['auth'] },
);
