import type {
  Delivery,
  DeliveryAttempt,
  JobCondition,
  JobStatus,
  SubscriptionEventType,
  SubscriptionSelector,
} from '@hpcgate/contract';
import type pg from 'pg';
import { InvalidCursorError, type JobEventType } from '../job-store.js';
import { decodeCursor, encodeCursor } from '../sqlite/cursor.js';
import type {
  AttemptResult,
  DeliveryPage,
  FeedEvent,
  NewDelivery,
  NewSubscription,
  PendingDelivery,
  SubscriptionPage,
  SubscriptionRecord,
  SubscriptionStore,
} from '../subscription-store.js';
import { hasNul, inTransaction } from './pg-tx.js';

type Row = Record<string, unknown>;

/**
 * `pg_advisory_xact_lock(SUBSCRIPTION_LOCK, hashtext(owner))`: one owner's subscriptions are
 * counted and stored under it, so concurrent creations (on any replica) cannot pass the bound.
 * The two-key form: a different key space from the one-key locks of pg-job-store.ts.
 */
export const SUBSCRIPTION_LOCK = 0x6870_7375; // 'hpsu'

/**
 * Webhook subscriptions, their deliveries and the deliverer's cursor, in the schema of a
 * PgJobStore and on its pool (`new PgSubscriptionStore(jobStore.pool)`): the event ids it reads
 * are the jobs' gateway-wide ones (`job_events.id`, handed out in commit order).
 */
export class PgSubscriptionStore implements SubscriptionStore {
  constructor(private readonly pool: pg.Pool) {}

  async create(sub: NewSubscription, maxPerUser: number): Promise<SubscriptionRecord | undefined> {
    return inTransaction(this.pool, async (c) => {
      await c.query('SELECT pg_advisory_xact_lock($1, hashtext($2))', [
        SUBSCRIPTION_LOCK,
        sub.owner,
      ]);
      const { rows } = await c.query<{ n: number }>(
        'SELECT count(*)::integer AS n FROM webhook_subscriptions WHERE owner = $1',
        [sub.owner],
      );
      if (rows[0]!.n >= maxPerUser) return undefined;
      const { rows: inserted } = await c.query<{ from_event_id: number }>(
        `INSERT INTO webhook_subscriptions
           (id, owner, url, events, job_id, selector, secret, from_event_id, created)
         VALUES ($1, $2, $3, $4, $5, $6, $7,
                 (SELECT COALESCE(MAX(id), 0) FROM job_events), $8)
         RETURNING from_event_id`,
        [
          sub.id,
          sub.owner,
          sub.url,
          JSON.stringify(sub.events),
          sub.jobId,
          sub.selector ? JSON.stringify(sub.selector) : null,
          sub.secret,
          sub.created,
        ],
      );
      return { ...sub, fromEventId: inserted[0]!.from_event_id };
    });
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    if (hasNul(id)) return undefined;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM webhook_subscriptions WHERE id = $1',
      [id],
    );
    return rows[0] ? subscriptionFromRow(rows[0]) : undefined;
  }

  async list(owner: string, limit: number, cursor?: string): Promise<SubscriptionPage> {
    const values: unknown[] = [owner, Math.max(0, limit) + 1];
    let after = '';
    if (cursor !== undefined) {
      const [created, id] = decodeCursor(cursor);
      const at = Date.parse(created);
      if (Number.isNaN(at) || hasNul(id)) {
        throw new InvalidCursorError('cursor is not one this gateway returned');
      }
      // A row comparison: one range of webhook_subscriptions_owner.
      after = 'AND (created, id) < ($3::timestamptz, $4)';
      values.push(new Date(at).toISOString(), id);
    }
    if (hasNul(owner)) return { subscriptions: [], nextCursor: null };
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM webhook_subscriptions WHERE owner = $1 ${after}
       ORDER BY created DESC, id DESC LIMIT $2`,
      values,
    );
    const subscriptions = rows.slice(0, limit).map(subscriptionFromRow);
    const last = subscriptions.at(-1);
    return {
      subscriptions,
      nextCursor: rows.length > limit && last ? encodeCursor(last.created, last.id) : null,
    };
  }

  async delete(id: string): Promise<boolean> {
    if (hasNul(id)) return false;
    // Its deliveries and their attempts go with it (ON DELETE CASCADE).
    const { rowCount } = await this.pool.query('DELETE FROM webhook_subscriptions WHERE id = $1', [
      id,
    ]);
    return (rowCount ?? 0) > 0;
  }

  async ofOwners(owners: readonly string[]): Promise<SubscriptionRecord[]> {
    const wanted = owners.filter((o) => !hasNul(o));
    if (wanted.length === 0) return [];
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM webhook_subscriptions WHERE owner = ANY($1::text[])',
      [wanted],
    );
    return rows.map(subscriptionFromRow);
  }

  async unsubscribedUpTo(): Promise<number | null> {
    // One statement, one snapshot.
    const { rows } = await this.pool.query<{ subscribed: boolean; last: string }>(
      `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions) AS subscribed,
              (SELECT COALESCE(MAX(id), 0) FROM job_events) AS last`,
    );
    return rows[0]!.subscribed ? null : Number(rows[0]!.last);
  }

  async cursor(): Promise<number> {
    // The first start: no subscription can have wanted anything before now. Two statements, so
    // that the read sees a row another gateway inserted at the same moment (it waited on it).
    await this.pool.query(
      `INSERT INTO webhook_cursor (id, event_id)
       SELECT 1, COALESCE(MAX(id), 0) FROM job_events
       ON CONFLICT (id) DO NOTHING`,
    );
    const { rows } = await this.pool.query<{ event_id: number }>(
      'SELECT event_id FROM webhook_cursor WHERE id = 1',
    );
    return rows[0]!.event_id;
  }

  async eventsAfter(afterId: number, limit: number): Promise<FeedEvent[]> {
    // A range of the events' primary key: cheap however long the history.
    const { rows } = await this.pool.query<Row>(
      `SELECT e.id AS gid, e.job_id, e.seq, e.at, e.event, e.status, e.actor, e.description,
              j.name, j.owner, j.exec_system_id, j.status AS job_status, j.condition,
              j.remote_job_id, j.exit_code, j.exit_signal, j.created, j.ended, j.tags
       FROM job_events e JOIN jobs j ON j.id = e.job_id
       WHERE e.id > $1 ORDER BY e.id LIMIT $2`,
      [afterId, Math.max(0, limit)],
    );
    return rows.map((r) => ({
      id: r.gid as number,
      jobId: r.job_id as string,
      seq: r.seq as number,
      at: r.at as string,
      event: r.event as JobEventType,
      status: r.status as JobStatus,
      actor: (r.actor as string | null) ?? null,
      description: r.description as string,
      job: {
        id: r.job_id as string,
        name: r.name as string,
        owner: r.owner as string,
        execSystemId: r.exec_system_id as string,
        status: r.job_status as JobStatus,
        condition: (r.condition as JobCondition | null) ?? null,
        remoteJobId: (r.remote_job_id as string | null) ?? null,
        exitCode: (r.exit_code as number | null) ?? null,
        exitSignal: (r.exit_signal as number | null) ?? null,
        created: r.created as string,
        ended: (r.ended as string | null) ?? null,
        tags: r.tags as string[],
      },
    }));
  }

  async addDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<NewDelivery[]> {
    return inTransaction(this.pool, async (c) => {
      let written: NewDelivery[] = [];
      if (deliveries.length > 0) {
        // The subscriptions still there, locked against deletion until this commits: a delivery
        // of one deleted meanwhile is skipped, never a foreign-key error.
        const { rows: live } = await c.query<{ id: string }>(
          `SELECT id FROM webhook_subscriptions WHERE id = ANY($1::text[])
           ORDER BY id FOR KEY SHARE`,
          [[...new Set(deliveries.map((d) => d.subscriptionId))].filter((id) => !hasNul(id))],
        );
        const alive = new Set(live.map((r) => r.id));
        const rows = deliveries
          .map((d, ord) => ({ d, ord }))
          .filter(({ d }) => alive.has(d.subscriptionId))
          .map(({ d, ord }) => {
            const pending = d.state === 'pending';
            return {
              ord,
              id: d.id,
              subscription_id: d.subscriptionId,
              event_id: d.eventId,
              job_id: d.jobId,
              event: d.event,
              body: d.body,
              state: d.state,
              created: d.created,
              next_attempt_at: pending ? d.created : null,
              finished: pending ? null : d.created,
              error: d.error ?? null,
            };
          });
        // One statement for the batch, in the batch's order: of two rows for one (subscription,
        // event), or one id, the first is kept, as row-by-row inserts would.
        const { rows: inserted } = await c.query<{ id: string; sid: string; eid: number }>(
          `INSERT INTO webhook_deliveries
             (id, subscription_id, event_id, job_id, event, body, state, created,
              next_attempt_at, finished, error)
           SELECT t.id, t.subscription_id, t.event_id, t.job_id, t.event, t.body, t.state,
                  t.created, t.next_attempt_at, t.finished, t.error
           FROM jsonb_to_recordset($1::jsonb) AS t(ord integer, id text, subscription_id text,
             event_id bigint, job_id text, event text, body text, state text,
             created timestamptz, next_attempt_at timestamptz, finished timestamptz, error text)
           ORDER BY t.ord
           ON CONFLICT DO NOTHING
           RETURNING id, subscription_id AS sid, event_id AS eid`,
          [JSON.stringify(rows)],
        );
        const key = (id: string, sid: string, eid: number) => JSON.stringify([id, sid, eid]);
        const got = new Set(inserted.map((r) => key(r.id, r.sid, r.eid)));
        written = deliveries.filter((d) => got.delete(key(d.id, d.subscriptionId, d.eventId)));
      }
      await c.query(
        `INSERT INTO webhook_cursor (id, event_id) VALUES (1, $1)
         ON CONFLICT (id) DO UPDATE
           SET event_id = GREATEST(webhook_cursor.event_id, excluded.event_id)`,
        [cursor],
      );
      return written;
    });
  }

  async pending(): Promise<PendingDelivery[]> {
    const { rows } = await this.pool.query<Row>(
      `SELECT id, subscription_id, event_id, event, body, created, attempts, next_attempt_at
       FROM webhook_deliveries WHERE state = 'pending' ORDER BY next_attempt_at, event_id`,
    );
    return rows.map((r) => ({
      id: r.id as string,
      subscriptionId: r.subscription_id as string,
      eventId: r.event_id as number,
      event: r.event as JobEventType,
      body: r.body as string,
      created: r.created as string,
      attempts: r.attempts as number,
      nextAttemptAt: r.next_attempt_at as string,
    }));
  }

  async recordAttempt(
    deliveryId: string,
    attempt: DeliveryAttempt,
    result: AttemptResult,
  ): Promise<boolean> {
    if (hasNul(deliveryId)) return false;
    return inTransaction(this.pool, async (c) => {
      // The row lock holds off a deletion of the subscription until the attempt is written.
      const { rowCount } = await c.query(
        `UPDATE webhook_deliveries
         SET attempts = $2, state = $3, next_attempt_at = $4, finished = $5, error = $6
         WHERE id = $1`,
        [
          deliveryId,
          attempt.attempt,
          result.state,
          result.state === 'pending' ? result.nextAttemptAt : null,
          result.state === 'pending' ? null : attempt.at,
          result.state === 'failed' ? (result.error ?? null) : null,
        ],
      );
      if ((rowCount ?? 0) === 0) return false;
      await c.query(
        `INSERT INTO webhook_attempts (delivery_id, attempt, at, status_code, error, duration_ms)
         VALUES ($1, $2, $3, $4, $5, $6)
         ON CONFLICT (delivery_id, attempt) DO UPDATE SET at = excluded.at,
           status_code = excluded.status_code, error = excluded.error,
           duration_ms = excluded.duration_ms`,
        [
          deliveryId,
          attempt.attempt,
          attempt.at,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        ],
      );
      return true;
    });
  }

  async deliveries(subscriptionId: string, limit: number, cursor?: string): Promise<DeliveryPage> {
    let before = Number.MAX_SAFE_INTEGER;
    if (cursor !== undefined) {
      if (!/^\d{1,15}$/.test(cursor)) {
        throw new InvalidCursorError('cursor is not one this gateway returned');
      }
      before = Number(cursor);
    }
    if (hasNul(subscriptionId)) return { deliveries: [], nextCursor: null };
    // The (subscription_id, event_id) unique index: newest first, one page.
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM webhook_deliveries WHERE subscription_id = $1 AND event_id < $2
       ORDER BY event_id DESC LIMIT $3`,
      [subscriptionId, before, Math.max(0, limit) + 1],
    );
    const page = rows.slice(0, limit);
    const attempts = await this.attemptsOf(page.map((r) => r.id as string));
    const deliveries: Delivery[] = page.map((r) => ({
      id: r.id as string,
      subscriptionId: r.subscription_id as string,
      eventId: r.event_id as number,
      jobId: r.job_id as string,
      event: r.event as JobEventType,
      state: r.state as Delivery['state'],
      created: r.created as string,
      nextAttemptAt: (r.next_attempt_at as string | null) ?? null,
      error: (r.error as string | null) ?? null,
      attempts: attempts.get(r.id as string) ?? [],
    }));
    const last = deliveries.at(-1);
    return {
      deliveries,
      nextCursor: rows.length > limit && last ? String(last.eventId) : null,
    };
  }

  async pruneDeliveries(before: string): Promise<number> {
    const { rowCount } = await this.pool.query(
      'DELETE FROM webhook_deliveries WHERE finished IS NOT NULL AND finished < $1',
      [before],
    );
    return rowCount ?? 0;
  }

  private async attemptsOf(ids: string[]): Promise<Map<string, DeliveryAttempt[]>> {
    const out = new Map<string, DeliveryAttempt[]>();
    if (ids.length === 0) return out;
    const { rows } = await this.pool.query<Row>(
      `SELECT * FROM webhook_attempts WHERE delivery_id = ANY($1::text[])
       ORDER BY delivery_id, attempt`,
      [ids],
    );
    for (const r of rows) {
      const list = out.get(r.delivery_id as string) ?? [];
      list.push({
        attempt: r.attempt as number,
        at: r.at as string,
        statusCode: (r.status_code as number | null) ?? null,
        error: (r.error as string | null) ?? null,
        durationMs: r.duration_ms as number,
      });
      out.set(r.delivery_id as string, list);
    }
    return out;
  }
}

/** `events` and `selector` are json columns: they arrive parsed, times as ISO strings. */
function subscriptionFromRow(r: Row): SubscriptionRecord {
  return {
    id: r.id as string,
    owner: r.owner as string,
    url: r.url as string,
    events: r.events as SubscriptionEventType[],
    jobId: (r.job_id as string | null) ?? null,
    selector: (r.selector as SubscriptionSelector | null) ?? null,
    secret: r.secret as string,
    fromEventId: r.from_event_id as number,
    created: r.created as string,
  };
}
