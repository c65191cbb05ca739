import type {
  Delivery,
  DeliveryAttempt,
  JobCondition,
  JobStatus,
  SubscriptionEventType,
  SubscriptionSelector,
} from '@hpcgate/contract';
import type Database from 'better-sqlite3';
import { InvalidCursorError, type JobEventType } from '../job-store.js';
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
import { decodeCursor, encodeCursor } from './cursor.js';

type Row = Record<string, unknown>;

/**
 * Webhook tables in the jobs' SQLite file, on the JobStore's own connection (`database`): one
 * writer, so a delivery batch, a subscription's creation and the events' writes are each atomic
 * and ordered against each other.
 */
export class SqliteSubscriptionStore implements SubscriptionStore {
  constructor(private readonly db: Database.Database) {}

  async create(sub: NewSubscription, maxPerUser: number): Promise<SubscriptionRecord | undefined> {
    return this.db.transaction((): SubscriptionRecord | undefined => {
      const { n } = this.db
        .prepare('SELECT count(*) AS n FROM webhook_subscriptions WHERE owner = ?')
        .get(sub.owner) as { n: number };
      if (n >= maxPerUser) return undefined;
      const fromEventId = this.lastEventId();
      this.db
        .prepare(
          `INSERT INTO webhook_subscriptions
             (id, owner, url, events, job_id, selector, secret, from_event_id, created)
           VALUES (@id, @owner, @url, @events, @jobId, @selector, @secret, @fromEventId, @created)`,
        )
        .run({
          ...sub,
          events: JSON.stringify(sub.events),
          selector: sub.selector ? JSON.stringify(sub.selector) : null,
          fromEventId,
        });
      return { ...sub, fromEventId };
    })();
  }

  async get(id: string): Promise<SubscriptionRecord | undefined> {
    const row = this.db.prepare('SELECT * FROM webhook_subscriptions WHERE id = ?').get(id) as
      | Row
      | undefined;
    return row ? subscriptionFromRow(row) : undefined;
  }

  async list(owner: string, limit: number, cursor?: string): Promise<SubscriptionPage> {
    const params: Row = { owner, limit: limit + 1 };
    let after = '';
    if (cursor !== undefined) {
      const [created, id] = decodeCursor(cursor);
      after = 'AND (created < @cCreated OR (created = @cCreated AND id < @cId))';
      params.cCreated = created;
      params.cId = id;
    }
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_subscriptions WHERE owner = @owner ${after}
         ORDER BY created DESC, id DESC LIMIT @limit`,
      )
      .all(params) as Row[];
    const subscriptions = rows.slice(0, limit).map(subscriptionFromRow);
    const last = subscriptions.at(-1);
    return {
      subscriptions,
      nextCursor: rows.length > limit && last ? encodeCursor(last.created, last.id) : null,
    };
  }

  async delete(id: string): Promise<boolean> {
    return this.db.prepare('DELETE FROM webhook_subscriptions WHERE id = ?').run(id).changes > 0;
  }

  async ofOwners(owners: readonly string[]): Promise<SubscriptionRecord[]> {
    if (owners.length === 0) return [];
    return (
      this.db
        .prepare(
          'SELECT * FROM webhook_subscriptions WHERE owner IN (SELECT value FROM json_each(?))',
        )
        .all(JSON.stringify(owners)) as Row[]
    ).map(subscriptionFromRow);
  }

  async cursor(): Promise<number> {
    return this.db.transaction((): number => {
      const row = this.db.prepare('SELECT event_id FROM webhook_cursor WHERE id = 1').get() as
        | { event_id: number }
        | undefined;
      if (row) return row.event_id;
      // The first start: no subscription can have wanted anything before now.
      const now = this.lastEventId();
      this.db.prepare('INSERT INTO webhook_cursor (id, event_id) VALUES (1, ?)').run(now);
      return now;
    })();
  }

  async unsubscribedUpTo(): Promise<number | null> {
    const row = this.db
      .prepare(
        `SELECT EXISTS (SELECT 1 FROM webhook_subscriptions) AS subscribed,
                (SELECT COALESCE(MAX(id), 0) FROM job_event_ids) AS last`,
      )
      .get() as { subscribed: number; last: number };
    return row.subscribed ? null : row.last;
  }

  async eventsAfter(afterId: number, limit: number): Promise<FeedEvent[]> {
    // A range of the ids' primary key: cheap however long the history.
    const rows = this.db
      .prepare(
        `SELECT g.id AS gid, e.job_id, e.seq, e.at, e.event, e.status, e.actor, e.description,
                j.name, j.owner, j.exec_system_id, j.status AS job_status, j.condition,
                j.remote_job_id, j.exit_code, j.exit_signal, j.created, j.ended, j.tags
         FROM job_event_ids g
         JOIN job_events e ON e.job_id = g.job_id AND e.seq = g.seq
         JOIN jobs j ON j.id = g.job_id
         WHERE g.id > ? ORDER BY g.id LIMIT ?`,
      )
      .all(afterId, limit) as Row[];
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
        tags: JSON.parse(r.tags as string) as string[],
      },
    }));
  }

  async addDeliveries(deliveries: readonly NewDelivery[], cursor: number): Promise<NewDelivery[]> {
    return this.db.transaction((): NewDelivery[] => {
      // Through SELECT … WHERE EXISTS: a subscription deleted since it was matched gets nothing
      // (a plain INSERT would fail on the foreign key, and OR IGNORE does not cover those).
      const insert = this.db.prepare(
        `INSERT OR IGNORE INTO webhook_deliveries
           (id, subscription_id, event_id, job_id, event, body, state, created, next_attempt_at,
            finished, error)
         SELECT @id, @subscriptionId, @eventId, @jobId, @event, @body, @state, @created,
                @nextAttemptAt, @finished, @error
         WHERE EXISTS (SELECT 1 FROM webhook_subscriptions WHERE id = @subscriptionId)`,
      );
      const written = deliveries.filter((d) => {
        const pending = d.state === 'pending';
        const changes = insert.run({
          id: d.id,
          subscriptionId: d.subscriptionId,
          eventId: d.eventId,
          jobId: d.jobId,
          event: d.event,
          body: d.body,
          state: d.state,
          created: d.created,
          nextAttemptAt: pending ? d.created : null,
          finished: pending ? null : d.created,
          error: d.error ?? null,
        }).changes;
        return changes > 0;
      });
      this.db
        .prepare(
          `INSERT INTO webhook_cursor (id, event_id) VALUES (1, @cursor)
           ON CONFLICT (id) DO UPDATE SET event_id = max(event_id, @cursor)`,
        )
        .run({ cursor });
      return written;
    })();
  }

  async pending(): Promise<PendingDelivery[]> {
    return (
      this.db
        .prepare(
          `SELECT id, subscription_id, event_id, event, body, created, attempts, next_attempt_at
           FROM webhook_deliveries WHERE state = 'pending' ORDER BY next_attempt_at, event_id`,
        )
        .all() as Row[]
    ).map((r) => ({
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
    return this.db.transaction((): boolean => {
      const changes = this.db
        .prepare(
          `UPDATE webhook_deliveries
           SET attempts = @attempt, state = @state, next_attempt_at = @next, finished = @finished,
               error = @error
           WHERE id = @id`,
        )
        .run({
          id: deliveryId,
          attempt: attempt.attempt,
          state: result.state,
          next: result.state === 'pending' ? result.nextAttemptAt : null,
          finished: result.state === 'pending' ? null : attempt.at,
          error: result.state === 'failed' ? (result.error ?? null) : null,
        }).changes;
      if (changes === 0) return false;
      this.db
        .prepare(
          `INSERT OR REPLACE INTO webhook_attempts
             (delivery_id, attempt, at, status_code, error, duration_ms)
           VALUES (?, ?, ?, ?, ?, ?)`,
        )
        .run(
          deliveryId,
          attempt.attempt,
          attempt.at,
          attempt.statusCode,
          attempt.error,
          attempt.durationMs,
        );
      return true;
    })();
  }

  async deliveries(subscriptionId: string, limit: number, cursor?: string): Promise<DeliveryPage> {
    let before = Number.MAX_SAFE_INTEGER;
    if (cursor !== undefined) {
      if (!/^\d{1,15}$/.test(cursor)) {
        throw new InvalidCursorError('cursor is not one this gateway returned');
      }
      before = Number(cursor);
    }
    // The (subscription_id, event_id) unique index: newest first, one page.
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_deliveries WHERE subscription_id = ? AND event_id < ?
         ORDER BY event_id DESC LIMIT ?`,
      )
      .all(subscriptionId, before, limit + 1) as Row[];
    const page = rows.slice(0, limit);
    const attempts = this.attemptsOf(page.map((r) => r.id as string));
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
    return this.db
      .prepare('DELETE FROM webhook_deliveries WHERE finished IS NOT NULL AND finished < ?')
      .run(before).changes;
  }

  private attemptsOf(ids: string[]): Map<string, DeliveryAttempt[]> {
    const out = new Map<string, DeliveryAttempt[]>();
    if (ids.length === 0) return out;
    const rows = this.db
      .prepare(
        `SELECT * FROM webhook_attempts WHERE delivery_id IN (SELECT value FROM json_each(?))
         ORDER BY delivery_id, attempt`,
      )
      .all(JSON.stringify(ids)) as Row[];
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

  private lastEventId(): number {
    return (
      this.db.prepare('SELECT COALESCE(MAX(id), 0) AS id FROM job_event_ids').get() as {
        id: number;
      }
    ).id;
  }
}

function subscriptionFromRow(r: Row): SubscriptionRecord {
  return {
    id: r.id as string,
    owner: r.owner as string,
    url: r.url as string,
    events: JSON.parse(r.events as string) as SubscriptionEventType[],
    jobId: (r.job_id as string | null) ?? null,
    selector: r.selector ? (JSON.parse(r.selector as string) as SubscriptionSelector) : null,
    secret: r.secret as string,
    fromEventId: r.from_event_id as number,
    created: r.created as string,
  };
}
