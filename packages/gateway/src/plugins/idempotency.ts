import { createHash } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../errors/error-handler.js';

declare module 'fastify' {
  interface FastifyInstance {
    /** preHandler for POST routes that honour an Idempotency-Key header. */
    idempotent: (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
  }
  interface FastifyRequest {
    idempotency: { key: string; fingerprint: string } | null;
  }
}

const KEY = /^[A-Za-z0-9_.:-]{8,128}$/;
const KEEP_MS = 24 * 60 * 60 * 1000;
const slotOf = (owner: string, key: string) => `${owner}\u0000${key}`;

/**
 * A POST that carries `Idempotency-Key` is carried out once per caller and key: a retry gets the
 * first answer again (status and body), so a retried submit never creates a second job. A retry
 * that arrives while the first is still running waits for it. The same key with another method,
 * path or body is refused with 422. Answers are kept for 24 hours.
 */
export default fp(
  async (fastify) => {
    const inFlight = new Map<string, Promise<void>>();
    const done = new Map<string, () => void>();
    const prune = setInterval(
      () => {
        fastify.store
          .pruneIdempotentResponses(new Date(Date.now() - KEEP_MS).toISOString())
          .catch((err: Error) =>
            fastify.log.warn({ err: err.message }, 'idempotency prune failed'),
          );
      },
      60 * 60 * 1000,
    );
    prune.unref();
    fastify.addHook('onClose', async () => clearInterval(prune));
    fastify.decorateRequest('idempotency', null);

    fastify.decorate('idempotent', async (request: FastifyRequest, reply: FastifyReply) => {
      const key = request.headers['idempotency-key'];
      if (key === undefined) return;
      if (typeof key !== 'string' || !KEY.test(key)) {
        throw new HttpError(
          400,
          'INVALID_IDEMPOTENCY_KEY',
          'Idempotency-Key must be 8–128 of A-Z a-z 0-9 _ . : -',
          {
            field: 'headers.idempotency-key',
          },
        );
      }
      const owner = request.caller.username;
      const slot = slotOf(owner, key);
      while (inFlight.has(slot)) await inFlight.get(slot);
      const fingerprint = createHash('sha256')
        .update(
          `${request.method} ${request.routeOptions.url}\u0000${request.url}\u0000${JSON.stringify(request.body ?? null)}`,
        )
        .digest('hex');
      const previous = await fastify.store.getIdempotentResponse(owner, key);
      if (previous) {
        if (previous.fingerprint !== fingerprint) {
          throw new HttpError(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'this Idempotency-Key was used for a different request',
          );
        }
        return reply
          .code(previous.statusCode)
          .header('content-type', 'application/json; charset=utf-8')
          .header('idempotent-replayed', 'true')
          .send(previous.body);
      }
      inFlight.set(slot, new Promise<void>((resolve) => done.set(slot, resolve)));
      request.idempotency = { key, fingerprint };
      return;
    });

    // Released once the answer is stored and sent, not when the client goes away: a retry that
    // comes while the first request still runs must wait for it, not run beside it.
    fastify.addHook('onResponse', async (request) => {
      if (!request.idempotency) return;
      const slot = slotOf(request.caller.username, request.idempotency.key);
      inFlight.delete(slot);
      done.get(slot)?.();
      done.delete(slot);
    });

    fastify.addHook('onSend', async (request, reply, payload) => {
      const remembered = request.idempotency;
      // Failures of ours (5xx) are not remembered: a retry may succeed.
      if (!remembered || reply.statusCode >= 500 || typeof payload !== 'string') return payload;
      await fastify.store.putIdempotentResponse({
        owner: request.caller.username,
        ...remembered,
        statusCode: reply.statusCode,
        body: payload,
        created: new Date().toISOString(),
      });
      return payload;
    });
  },
  { name: 'idempotency', dependencies: ['store', 'auth'] },
);
