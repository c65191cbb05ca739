import { createHash } from 'node:crypto';
import type {
  FastifyReply,
  FastifyRequest,
  onResponseHookHandler,
  onSendHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { HttpError } from '../domain/http-error.js';
import type { IdempotentResponse } from '../store/job-store.js';

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
/** How often a retry on one replica looks again at a key another replica is still running. */
const CLAIM_POLL_MS = 50;
const KEEP_MS = 24 * 60 * 60 * 1000;
const slotOf = (owner: string, key: string) => `${owner}\u0000${key}`;

/** A route option that holds one hook, several, or none, as a list. */
const hooksOf = <T>(hooks: T | T[] | undefined): T[] =>
  hooks === undefined ? [] : Array.isArray(hooks) ? hooks : [hooks];

/** One request running under a key: its twins wait on `released`. */
interface Slot {
  released: Promise<void>;
  release: () => void;
}

/**
 * A POST that carries `Idempotency-Key` is carried out once per caller and key: a retry gets the
 * first answer again (status and body), so a retried submit never creates a second job. The same
 * key with another method, path or body is refused with 422. Answers are kept for 24 hours.
 *
 * A retry that arrives while the first is still running waits for it — for at most `waitMs`.
 * Then it gets **409 IDEMPOTENCY_KEY_IN_USE** with `Retry-After` (the status the IETF
 * Idempotency-Key draft gives for a key whose request is still being processed), never a second
 * run beside the first. The wait is bounded because the first may take long by design (a cancel
 * may `wait` 300 s) or never end (a hung handler); the retry learns "still running, ask again"
 * instead of hanging with it. Replicas on PostgreSQL also claim the key in the database, so a
 * retry that reaches another replica waits the same way (polling the claim and the stored
 * answer); a claim of a replica that died is void after the lease time, and a submit retried
 * then finds the job the key created (the store keeps it with the job), never makes a second.
 *
 * The slot is released where the answer is decided: in `onSend`, after the answer is stored (or
 * found not worth storing: a 5xx, which a retry may then run again). `onSend` runs whether or not
 * the client is still there, whereas `onResponse` does not run when the client went away (the
 * defect this fixes: every retry then waited for ever). `onResponse` and the response's `close`
 * after an answer was sent are backstops. The slot is *not* released when the client aborts
 * while the handler still runs: the handler goes on (a submit is not undone), and a retry must
 * not run it a second time; it waits, then gets the stored answer or the 409.
 */
export default fp(
  async (fastify, opts: { waitMs?: number }) => {
    const waitMs = opts.waitMs ?? 10_000;
    const inFlight = new Map<string, Slot>();
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

    /** The slot each request holds (a twin that waited and then ran holds its own). */
    const heldSlots = new WeakMap<FastifyRequest, Slot>();

    /** Replicas: the claims of requests in flight on any of them (null in one process). */
    const claims = fastify.coordination.requestClaims;

    /** Frees the request's slot, and its claim across replicas (once; later calls do nothing). */
    const release = (request: FastifyRequest) => {
      const held = request.idempotency;
      if (!held) return;
      const owner = request.caller.username;
      const slot = slotOf(owner, held.key);
      const current = inFlight.get(slot);
      if (current && current === heldSlots.get(request)) {
        inFlight.delete(slot);
        current.release();
        claims
          ?.release(owner, held.key)
          .catch((err: Error) =>
            fastify.log.warn({ err: err.message }, 'idempotency claim not released'),
          );
      }
      heldSlots.delete(request);
    };

    const stillRunning = () => {
      const retryAfterSec = 2;
      return new HttpError(
        409,
        'IDEMPOTENCY_KEY_IN_USE',
        'a request with this Idempotency-Key is still being processed; retry later for its answer',
        { retryAfterSec },
        { 'retry-after': String(retryAfterSec) },
      );
    };

    /** The first request's answer again, or 422 when this one is not the same request. */
    const replay = (reply: FastifyReply, previous: IdempotentResponse, fingerprint: string) => {
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
    };

    /**
     * Replicas: takes the key's claim across all of them, waiting while another live replica
     * runs the first request. Resolves to that request's answer once it is stored, null once the
     * claim is this request's; throws 409 at the deadline.
     */
    const claimEverywhere = async (
      owner: string,
      key: string,
      deadline: number,
    ): Promise<IdempotentResponse | null> => {
      if (!claims) return null;
      for (;;) {
        const claimed = await claims.tryClaim(owner, key);
        // Claimed or not, the first may have stored its answer meanwhile.
        const answered = await fastify.store.getIdempotentResponse(owner, key);
        if (answered) {
          if (claimed) await claims.release(owner, key);
          return answered;
        }
        if (claimed) return null;
        if (Date.now() >= deadline) throw stillRunning();
        await new Promise((r) => setTimeout(r, CLAIM_POLL_MS));
      }
    };

    /** Resolves true once no request holds `slot`, false when `waitMs` passed first. */
    const waitFor = async (slot: string): Promise<boolean> => {
      const deadline = Date.now() + waitMs;
      for (let current = inFlight.get(slot); current; current = inFlight.get(slot)) {
        const left = deadline - Date.now();
        if (left <= 0) return false;
        let timer: NodeJS.Timeout | undefined;
        const timedOut = await Promise.race([
          current.released.then(() => false),
          new Promise<boolean>((resolve) => {
            timer = setTimeout(() => resolve(true), left);
          }),
        ]);
        clearTimeout(timer);
        if (timedOut) return false;
      }
      return true;
    };

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
      const deadline = Date.now() + waitMs;
      if (!(await waitFor(slot))) throw stillRunning();
      const fingerprint = createHash('sha256')
        .update(
          `${request.method} ${request.routeOptions.url}\u0000${request.url}\u0000${JSON.stringify(request.body ?? null)}`,
        )
        .digest('hex');
      const previous = await fastify.store.getIdempotentResponse(owner, key);
      if (previous) return replay(reply, previous, fingerprint);
      // Another twin may have taken the slot while this one read the store: wait again.
      if (inFlight.has(slot)) return fastify.idempotent(request, reply);
      let resolve!: () => void;
      const held: Slot = {
        released: new Promise<void>((r) => {
          resolve = r;
        }),
        release: () => resolve(),
      };
      inFlight.set(slot, held);
      let answered: IdempotentResponse | null;
      try {
        answered = await claimEverywhere(owner, key, deadline);
      } catch (err) {
        inFlight.delete(slot);
        held.release();
        throw err;
      }
      if (answered) {
        inFlight.delete(slot);
        held.release();
        return replay(reply, answered, fingerprint);
      }
      heldSlots.set(request, held);
      request.idempotency = { key, fingerprint };
      // Backstop: the connection closed after an answer was sent but before onSend released.
      reply.raw.once('close', () => {
        if (reply.sent) release(request);
      });
      return;
    });

    /** The answer of a request that holds a key, stored before it is sent. */
    const remember = async (request: FastifyRequest, statusCode: number, payload: unknown) => {
      const remembered = request.idempotency!;
      try {
        // Failures of ours (5xx) are not remembered: a retry may succeed.
        if (statusCode < 500 && typeof payload === 'string') {
          await fastify.store.putIdempotentResponse({
            owner: request.caller.username,
            ...remembered,
            statusCode,
            body: payload,
            created: new Date().toISOString(),
          });
        }
      } finally {
        // Stored (or not to be stored): a waiting retry now finds the answer, or runs again.
        release(request);
      }
    };

    // Only on the routes that honour a key (their preHandler is `fastify.idempotent`, declared
    // after this plugin): every other answer (a GET, a 404) passes no hook of this plugin at all.
    // Callback hooks: most requests even there carry no key, and pass without a promise.
    const onSend: onSendHookHandler = (request, reply, payload, done) => {
      if (!request.idempotency || !heldSlots.has(request)) return done(null, payload);
      remember(request, reply.statusCode, payload).then(
        () => done(null, payload),
        (err: Error) => done(err),
      );
    };
    const onResponse: onResponseHookHandler = (request, _reply, done) => {
      release(request);
      done();
    };
    fastify.addHook('onRoute', (route) => {
      if (!hooksOf(route.preHandler).includes(fastify.idempotent)) return;
      route.onSend = [...hooksOf(route.onSend), onSend];
      route.onResponse = [...hooksOf(route.onResponse), onResponse];
    });
  },
  { name: 'idempotency', dependencies: ['store', 'auth', 'coordination'] },
);
