import {
  type JobEvent,
  type JobOutputSummary,
  type JobSelector,
  type JobStatus,
  type JobTask,
  type ListJobsFilter,
  type LogStream,
  NON_TERMINAL_STATUSES,
  type StopRequest,
  type TaskSummary,
} from '@hpcgate/contract';
import pg from 'pg';
import { JobAlreadyRunningError, keyHolder } from '../../domain/singleton.js';
import { assertTransition } from '../../domain/transitions.js';
import { FencedOutError, type LeaseFence } from '../fence.js';
import {
  type CreateOptions,
  type IdempotentResponse,
  InvalidCursorError,
  type JobChange,
  type JobPage,
  type JobRecord,
  type JobStore,
  LIST_PAGE_BYTES,
  MAX_BULK_STOP,
  type NewJobEvent,
  type OwnerEventFilter,
  type OwnerScope,
  type PoolState,
  RequestKeyTakenError,
  type SavedLog,
  type StoredJobEvent,
  SUBMIT_PARAM_KEYS,
  type SubmitParamKey,
  TooManyJobsSelectedError,
  type WatchedJob,
} from '../job-store.js';
import { decodeCursor, encodeCursor } from '../sqlite/cursor.js';
import { MIGRATIONS } from './migrations.js';
import { hasNul, inTransaction } from './pg-tx.js';

// Explicit SQL, as the SQLite store has, rather than a query builder: the queries are few and
// hot, and each needs exact control of its locks (FOR UPDATE, the advisory locks) and of the
// index it uses (a name's LIKE prefix, the keyset row comparison, the partial indexes). Every
// value is a parameter ($n); the only text put together is placeholders and fixed column names.

type Row = Record<string, unknown>;
type Queryable = Pick<pg.PoolClient, 'query'>;

/**
 * The advisory lock the migrations run under: `hpcgate:migrate` and the schema, as two 32-bit
 * keys. Per schema: gateways on one schema migrate once; one schema's long migration (an index
 * built on a big table) never holds up another's start.
 */
const MIGRATION_LOCK = "pg_advisory_xact_lock(hashtext('hpcgate:migrate'), hashtext($1))";
/**
 * Every transaction that writes events takes this lock first (pg_advisory_xact_lock, until its
 * commit), so gateway-wide event ids are handed out in commit order, as SQLite's one writer
 * does: a reader that saw id n never later sees a smaller one appear (what the event stream
 * resumes from). The lock is held for the few statements of one job's change. Per schema, as the
 * ids are.
 */
const EVENT_LOCK = "pg_advisory_xact_lock(hashtext('hpcgate:events'), hashtext(current_schema()))";

export interface PgJobStoreOptions {
  /** `postgres://user:password@host:port/db` */
  connectionString: string;
  /** Tables live in this schema (created when missing); default `public`. Letters, digits, `_`. */
  schema?: string;
  /** The pool's bound (default 10). */
  maxConnections?: number;
  /** Per connection: a statement running longer is cancelled (default 10 s). */
  statementTimeoutMs?: number;
  /** Per connection: a transaction idle this long is ended by the server (default 30 s). */
  idleInTransactionTimeoutMs?: number;
  /** Waiting for a free connection longer than this fails (default 10 s). */
  connectionTimeoutMs?: number;
  /** Errors of idle connections (a server restart); default: ignored, the next query fails. */
  onError?: (err: Error) => void;
}

/**
 * The statuses that hold a singleton key: the same text as the partial index `jobs_exclusive_key`
 * (migrations.ts), so that the planner reads the holder through it.
 */
const HOLDS_KEY = `status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING')`;

/** The statuses of a job that has ended: the same text as the partial index `jobs_ended`. */
const ENDED = `status IN ('FINISHED', 'FAILED', 'CANCELLED')`;

/** Every column but `params`, in the order of {@link stateValues}. */
const STATE_COLUMN_LIST = [
  'id',
  'owner',
  'name',
  'exec_system_id',
  'status',
  'condition',
  'last_message',
  'remote_job_id',
  'remote_state',
  'remote_reason',
  'remote_done',
  'exit_code',
  'exit_signal',
  'created',
  'remote_submitted',
  'remote_started',
  'ended',
  'last_updated',
  'stop_request',
  'tags',
  'remote_user',
  'submit_attempts',
  'submit_unanswered',
  'submit_first_at',
  'submit_last_at',
  'output',
  'tasks',
  'array_spec',
  'exclusive_key',
  'hidden',
  'resubmitted_from',
  'resubmitted_as',
] as const;
const STATE_COLUMNS = STATE_COLUMN_LIST.map((c) => `jobs.${c}`).join(', ');
/** `params` as the text it was stored as (json keeps it verbatim): parsed here, sized here. */
const ALL_COLUMNS = `${STATE_COLUMNS}, jobs.params::text AS params`;
/** What update() writes: everything but the id, the owner and the creation time. */
const UPDATED = STATE_COLUMN_LIST.filter((c) => !['id', 'owner', 'created'].includes(c));

const TIMESTAMPTZ = 1184;
const INT8 = 20;
const parseTimestamptz = pg.types.getTypeParser(TIMESTAMPTZ) as (v: string) => Date;
/**
 * Times come back as the ISO strings the gateway wrote (milliseconds, `Z`); 64-bit integers
 * (counts, log offsets, event ids) as numbers: they stay far below 2^53.
 */
const TYPES = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    if (oid === TIMESTAMPTZ) return timestamptzToIso;
    if (oid === INT8) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format ?? 'text');
  }) as typeof pg.types.getTypeParser,
};

/** `2026-11-23 10:00:01.5+00`: a time as the server writes it with DateStyle ISO in UTC. */
const UTC_ISO_OUTPUT = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d)(?:\.(\d{1,6}))?\+00$/;

/**
 * A timestamptz as the ISO string the gateway wrote (`2026-11-23T10:00:01.500Z`): rewritten as
 * text, without a Date (parsing seven of them a row through one took half the decoding time of a
 * list page); through a Date when the server writes it some other way.
 */
export function timestamptzToIso(v: string): string {
  const m = UTC_ISO_OUTPUT.exec(v);
  if (!m) return parseTimestamptz(v).toISOString();
  // Microseconds are cut to milliseconds, as a Date does.
  return `${m[1]}T${m[2]}.${(m[3] ?? '').padEnd(3, '0').slice(0, 3)}Z`;
}

/** Jobs and their history in PostgreSQL, through a bounded `pg.Pool`. */
export class PgJobStore implements JobStore {
  private constructor(
    /**
     * The pool, for the stores of the other tables in this schema (PgSubscriptionStore,
     * PgSessionStore): one pool and one search_path for all, closed by {@link close}.
     */
    readonly pool: pg.Pool,
    private readonly max: number,
  ) {}

  /** Connects, creates the schema when missing and runs the migrations it has not seen. */
  static async open(options: PgJobStoreOptions): Promise<PgJobStore> {
    const schema = options.schema ?? 'public';
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(schema)) {
      throw new Error(`schema name ${JSON.stringify(schema)}: use a-z, 0-9 and _ only`);
    }
    const max = options.maxConnections ?? 10;
    if (!Number.isInteger(max) || max < 1) throw new Error('maxConnections must be at least 1');
    const pool = new pg.Pool({
      connectionString: options.connectionString,
      max,
      connectionTimeoutMillis: options.connectionTimeoutMs ?? 10_000,
      idleTimeoutMillis: 30_000,
      // Sent in each connection's start-up packet: every connection has them, none can forget.
      statement_timeout: options.statementTimeoutMs ?? 10_000,
      idle_in_transaction_session_timeout: options.idleInTransactionTimeoutMs ?? 30_000,
      options: `-c search_path=${schema} -c TimeZone=UTC`,
      application_name: 'hpcgate-gateway',
      types: TYPES,
    });
    pool.on('error', (err) => options.onError?.(err));
    const store = new PgJobStore(pool, max);
    try {
      await store.migrate(schema);
    } catch (err) {
      await pool.end();
      throw err;
    }
    return store;
  }

  /** How the pool stands, for `/readyz`. */
  poolState(): PoolState {
    return {
      total: this.pool.totalCount,
      idle: this.pool.idleCount,
      waiting: this.pool.waitingCount,
      max: this.max,
    };
  }

  /**
   * Applies the migrations this database has not seen, in one transaction under
   * {@link MIGRATION_LOCK}: a second gateway starting at once waits, then finds them applied.
   */
  private async migrate(schema: string): Promise<void> {
    await this.tx(async (c) => {
      await c.query(`SELECT ${MIGRATION_LOCK}`, [schema]);
      // The name is checked above (letters, digits, _): an identifier, not a value.
      await c.query(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
      await c.query(
        `CREATE TABLE IF NOT EXISTS schema_migrations (
           version integer PRIMARY KEY,
           applied_at timestamptz NOT NULL DEFAULT now()
         )`,
      );
      const { rows } = await c.query<{ v: number }>(
        'SELECT COALESCE(MAX(version), 0) AS v FROM schema_migrations',
      );
      const current = rows[0]!.v;
      if (current > MIGRATIONS.length) {
        throw new Error(
          `the database's schema is at version ${current}, newer than this gateway's ${MIGRATIONS.length}: upgrade the gateway`,
        );
      }
      for (const [i, sql] of MIGRATIONS.entries()) {
        if (i < current) continue;
        await c.query(sql);
        await c.query('INSERT INTO schema_migrations (version) VALUES ($1)', [i + 1]);
      }
    });
  }

  /** Runs `fn` in a transaction on one connection; rolls back on any error. */
  private tx<T>(fn: (c: pg.PoolClient) => Promise<T>): Promise<T> {
    return inTransaction(this.pool, fn);
  }

  async create(job: JobRecord, event: NewJobEvent, options: CreateOptions = {}): Promise<void> {
    const { previousEvent, requestKey } = options;
    const taken = await this.tx(async (c) => {
      const values = [...stateValues(job), paramsText(job)];
      const placeholders = values.map((_, i) => `$${i + 1}`).join(', ');
      // A savepoint, so that a refused insert leaves the transaction usable to name the holder.
      await c.query('SAVEPOINT insert_job');
      try {
        await c.query(
          `INSERT INTO jobs (${STATE_COLUMN_LIST.join(', ')}, params) VALUES (${placeholders})`,
          values,
        );
      } catch (err) {
        if (!isKeyTaken(job, err)) throw err;
        await c.query('ROLLBACK TO SAVEPOINT insert_job');
        const holder = await holderOf(c, job.owner, job.exclusiveKey!);
        if (!holder) throw err;
        return new JobAlreadyRunningError(keyHolder(holder));
      }
      if (requestKey !== undefined) {
        // A concurrent insert of the same key waits for ours to commit, then finds it.
        const kept = await c.query(
          `INSERT INTO job_request_keys (owner, key, job_id) VALUES ($1, $2, $3)
           ON CONFLICT DO NOTHING`,
          [job.owner, requestKey, job.id],
        );
        // Thrown, not returned: the job's insert is undone with the transaction.
        if (kept.rowCount !== 1) {
          throw new RequestKeyTakenError(
            (await requestKeyJob(c, job.owner, requestKey)) ?? 'unknown',
          );
        }
      }
      await lockEvents(c);
      await insertEvent(c, job.id, job.status, event);
      if (job.resubmittedFrom && previousEvent) {
        await linkResubmission(c, job.resubmittedFrom, job.id, previousEvent);
      }
      return undefined;
    });
    if (taken) throw taken;
  }

  async countByStatus(): Promise<Partial<Record<JobStatus, number>>> {
    const { rows } = await this.pool.query<{ status: JobStatus; n: string }>(
      'SELECT status, count(*) AS n FROM jobs GROUP BY status',
    );
    return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
  }

  async jobForRequestKey(owner: string, key: string): Promise<string | undefined> {
    if (hasNul(owner, key)) return undefined;
    return requestKeyJob(this.pool, owner, key);
  }

  async exclusiveHolder(owner: string, exclusiveKey: string): Promise<JobRecord | undefined> {
    if (hasNul(owner, exclusiveKey)) return undefined;
    return holderOf(this.pool, owner, exclusiveKey);
  }

  async setHidden(id: string, hidden: boolean): Promise<JobRecord | undefined> {
    if (hasNul(id)) return undefined;
    const { rows } = await this.pool.query<Row>(
      `UPDATE jobs SET hidden = $2 WHERE id = $1 RETURNING ${ALL_COLUMNS}`,
      [id, hidden],
    );
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async get(id: string): Promise<JobRecord | undefined> {
    if (hasNul(id)) return undefined;
    const { rows } = await this.pool.query<Row>(`SELECT ${ALL_COLUMNS} FROM jobs WHERE id = $1`, [
      id,
    ]);
    return rows[0] ? fromRow(rows[0]) : undefined;
  }

  async update(id: string, change: JobChange): Promise<JobRecord | undefined> {
    if (hasNul(id)) return undefined;
    return this.tx(async (c): Promise<JobRecord | undefined> => {
      if (change.fence) await holdFence(c, change.fence);
      // The row lock orders concurrent changes of one job (replicas included).
      const { rows } = await c.query<Row>(
        `SELECT ${ALL_COLUMNS} FROM jobs WHERE id = $1 FOR UPDATE`,
        [id],
      );
      if (!rows[0]) return undefined;
      const job = fromRow(rows[0]);
      if (change.expectStatus && !change.expectStatus.includes(job.status)) return undefined;
      if (change.expectLastUpdated && change.expectLastUpdated !== job.lastUpdated) {
        return undefined;
      }
      // Strictly increasing, so that lastUpdated identifies a version of the job.
      const now = new Date(Math.max(Date.now(), Date.parse(job.lastUpdated) + 1)).toISOString();
      let status: JobStatus = job.status;
      const events: [JobStatus, NewJobEvent][] = [];
      for (const step of change.steps ?? []) {
        assertTransition(id, status, step.status);
        status = step.status;
        events.push([
          status,
          {
            event: 'STATUS_CHANGED',
            actor: step.actor ?? null,
            description: step.description,
            at: now,
          },
        ]);
      }
      for (const event of change.events ?? []) events.push([status, { at: now, ...event }]);
      if (events.length > 0) await lockEvents(c);
      for (const [s, e] of events) await insertEvent(c, id, s, e);
      const next: JobRecord = { ...job, ...change.patch, status, lastUpdated: now };
      const all = stateValues(next);
      const values = UPDATED.map((col) => all[STATE_COLUMN_LIST.indexOf(col)]);
      const sets = UPDATED.map((col, i) => `${col} = $${i + 2}`).join(', ');
      await c.query(`UPDATE jobs SET ${sets} WHERE id = $1`, [id, ...values]);
      return next;
    });
  }

  async list(owner: OwnerScope, filter: ListJobsFilter): Promise<JobPage> {
    const q = new Params();
    const where = criteria(q, owner, {
      status: filter.status,
      names: filter.name !== undefined ? [filter.name] : undefined,
      execSystemId: filter.execSystemId,
      tags: filter.tags,
    });
    if (!filter.includeHidden) where.push('NOT jobs.hidden');
    if (filter.createdAfter) {
      where.push(`jobs.created >= ${q.add(new Date(filter.createdAfter).toISOString())}`);
    }
    if (filter.createdBefore) {
      where.push(`jobs.created < ${q.add(new Date(filter.createdBefore).toISOString())}`);
    }
    if (filter.cursor) {
      const [created, id] = decodeCursor(filter.cursor);
      const at = Date.parse(created);
      if (Number.isNaN(at) || hasNul(id)) {
        throw new InvalidCursorError('cursor is not one this gateway returned');
      }
      // A row comparison: one range of (owner, created DESC, id DESC).
      where.push(
        `(jobs.created, jobs.id) < (${q.add(new Date(at).toISOString())}::timestamptz, ${q.add(id)})`,
      );
    }
    // One query: the rows with their parameters' size (a stored column), and the parameters
    // themselves where they are small enough that the rows read together stay within one page's
    // bytes (what a page holds is decided after). The parameters of the page's bigger rows are
    // fetched next, by id: a page of 1 MiB scripts never reads more of them than it holds.
    const inlineBytes = Math.floor(LIST_PAGE_BYTES / (filter.limit + 1));
    const { rows } = await this.pool.query<Row>(
      `SELECT ${STATE_COLUMNS}, jobs.params_bytes,
         CASE WHEN jobs.params_bytes <= ${q.add(inlineBytes)} THEN jobs.params::text END AS params
       FROM jobs WHERE ${where.join(' AND ')} ORDER BY jobs.created DESC, jobs.id DESC
       LIMIT ${q.add(filter.limit + 1)}`,
      q.values,
    );
    const page: Row[] = [];
    let bytes = 0;
    let more = false;
    for (const row of rows) {
      const size = rowSize(row);
      if (page.length === filter.limit || (page.length > 0 && bytes + size > LIST_PAGE_BYTES)) {
        more = true;
        break;
      }
      page.push(row);
      bytes += size;
    }
    const big = await this.paramsOf(
      page.filter((r) => r.params === null).map((r) => r.id as string),
    );
    const jobs: JobRecord[] = [];
    for (const r of page) {
      const params = (r.params as string | null) ?? big.get(r.id as string);
      // Gone between the two reads (deleted by retention): not on the page.
      if (params !== undefined) jobs.push(withParams(stateFromRow(r), params));
    }
    const last = jobs.at(-1);
    return { jobs, nextCursor: more && last ? encodeCursor(last.created, last.id) : null };
  }

  /** The parameters (as stored: JSON text) of the jobs that still exist, by id. */
  private async paramsOf(ids: string[]): Promise<Map<string, string>> {
    if (ids.length === 0) return new Map();
    const { rows } = await this.pool.query<{ id: string; params: string }>(
      'SELECT id, params::text AS params FROM jobs WHERE id = ANY($1::text[])',
      [ids],
    );
    return new Map(rows.map((r) => [r.id, r.params]));
  }

  async select(owner: OwnerScope, selector: JobSelector): Promise<JobRecord[]> {
    const q = new Params();
    const clause = criteria(q, owner, selector).join(' AND ');
    // Counted first (the criteria read no script), so that too big a selection costs no reading.
    const { rows: counted } = await this.pool.query<{ n: number }>(
      `SELECT count(*) AS n FROM jobs WHERE ${clause}`,
      q.values,
    );
    const n = counted[0]!.n;
    if (n > MAX_BULK_STOP) throw new TooManyJobsSelectedError(n, MAX_BULK_STOP);
    const { rows } = await this.pool.query<Row>(
      `SELECT ${ALL_COLUMNS} FROM jobs WHERE ${clause} ORDER BY jobs.created DESC, jobs.id DESC`,
      q.values,
    );
    return rows.map(fromRow);
  }

  async history(id: string): Promise<JobEvent[]> {
    if (hasNul(id)) return [];
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM job_events WHERE job_id = $1 ORDER BY seq',
      [id],
    );
    return rows.map(eventFromRow);
  }

  async historyAfter(id: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
    if (hasNul(id)) return [];
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM job_events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3',
      [id, afterSeq, Math.max(0, limit)],
    );
    return rows.map(eventFromRow);
  }

  async eventsOf(
    owner: OwnerScope,
    afterId: number,
    filter: OwnerEventFilter,
    limit: number,
  ): Promise<StoredJobEvent[]> {
    const q = new Params();
    // The job criteria of list/select (owner, name, tags: they name no column of the events).
    const where = criteria(q, owner, {
      names: filter.name !== undefined ? [filter.name] : undefined,
      tags: filter.tags,
    });
    where.push(`e.id > ${q.add(afterId)}`);
    if (filter.status !== undefined) {
      where.push(`e.status = ANY(${q.add(filter.status)}::text[])`);
    }
    // A range of the events' primary key, newest events only: cheap however long the history.
    const { rows } = await this.pool.query<Row>(
      `SELECT e.* FROM job_events e JOIN jobs ON jobs.id = e.job_id
       WHERE ${where.join(' AND ')} ORDER BY e.id LIMIT ${q.add(Math.max(0, limit))}`,
      q.values,
    );
    return rows.map((r) => ({ id: r.id as number, jobId: r.job_id as string, ...eventFromRow(r) }));
  }

  async lastEventId(): Promise<number> {
    const { rows } = await this.pool.query<{ id: number }>(
      'SELECT COALESCE(MAX(id), 0)::bigint AS id FROM job_events',
    );
    return rows[0]!.id;
  }

  async watched(systemId: string): Promise<WatchedJob[]> {
    if (hasNul(systemId)) return [];
    const { rows } = await this.pool.query<Row>(
      `SELECT ${STATE_COLUMNS} FROM jobs WHERE exec_system_id = $1 AND NOT remote_done
       ORDER BY created, id`,
      [systemId],
    );
    return rows.map(stateFromRow);
  }

  async countActive(owner: string): Promise<number> {
    if (hasNul(owner)) return 0;
    const { rows } = await this.pool.query<{ n: number }>(
      'SELECT count(*) AS n FROM jobs WHERE owner = $1 AND status = ANY($2::text[])',
      [owner, NON_TERMINAL_STATUSES],
    );
    return rows[0]!.n;
  }

  async getIdempotentResponse(owner: string, key: string): Promise<IdempotentResponse | undefined> {
    if (hasNul(owner, key)) return undefined;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM idempotency_keys WHERE owner = $1 AND key = $2',
      [owner, key],
    );
    const r = rows[0];
    return r
      ? {
          owner: r.owner as string,
          key: r.key as string,
          fingerprint: r.fingerprint as string,
          statusCode: r.status_code as number,
          body: r.body as string,
          created: r.created as string,
        }
      : undefined;
  }

  async putIdempotentResponse(x: IdempotentResponse): Promise<void> {
    await this.pool.query(
      `INSERT INTO idempotency_keys (owner, key, fingerprint, status_code, body, created)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (owner, key) DO NOTHING`,
      [x.owner, x.key, x.fingerprint, x.statusCode, x.body, x.created],
    );
  }

  async pruneIdempotentResponses(before: string): Promise<number> {
    const { rowCount } = await this.pool.query('DELETE FROM idempotency_keys WHERE created < $1', [
      before,
    ]);
    return rowCount ?? 0;
  }

  async saveLogs(
    jobId: string,
    logs: readonly SavedLog[],
    summary: JobOutputSummary,
  ): Promise<void> {
    await this.tx(async (c) => {
      for (const log of logs) {
        // A periodic copy never replaces a final one (a slow periodic read may end after the job).
        await c.query(
          `INSERT INTO job_logs (job_id, stream, kind, at, start, size, content)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (job_id, stream) DO UPDATE SET kind = excluded.kind, at = excluded.at,
             start = excluded.start, size = excluded.size, content = excluded.content
           WHERE job_logs.kind <> 'final' OR excluded.kind = 'final'`,
          [jobId, log.stream, log.kind, log.at, log.start, log.size, log.content],
        );
      }
      await c.query(
        `UPDATE jobs SET output = $2::jsonb WHERE id = $1
           AND ($3 OR output IS NULL OR output -> 'collected' = 'false'::jsonb)`,
        [jobId, JSON.stringify(summary), summary.collected],
      );
    });
  }

  async saveTasks(jobId: string, tasks: readonly JobTask[], summary: TaskSummary): Promise<void> {
    await this.tx(async (c) => {
      // One statement for all of them: the tasks travel as one JSON parameter.
      await c.query(
        `INSERT INTO job_tasks (job_id, idx, name, status, remote_state, exit_code, started, ended)
         SELECT $1, t."index", t.name, t.status, t."remoteState", t."exitCode", t.started, t.ended
         FROM jsonb_to_recordset($2::jsonb) AS t("index" integer, name text, status text,
           "remoteState" text, "exitCode" integer, started timestamptz, ended timestamptz)
         ON CONFLICT (job_id, idx) DO UPDATE SET status = excluded.status,
           remote_state = excluded.remote_state, exit_code = excluded.exit_code,
           started = excluded.started, ended = excluded.ended`,
        [jobId, JSON.stringify(tasks)],
      );
      await c.query('UPDATE jobs SET tasks = $2::jsonb WHERE id = $1', [
        jobId,
        JSON.stringify(summary),
      ]);
    });
  }

  async tasks(jobId: string, page: { skip: number; limit: number }): Promise<JobTask[]> {
    if (hasNul(jobId)) return [];
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM job_tasks WHERE job_id = $1 ORDER BY idx LIMIT $2 OFFSET $3',
      [jobId, Math.max(0, page.limit), Math.max(0, page.skip)],
    );
    return rows.map((r) => ({
      index: r.idx as number,
      name: (r.name as string | null) ?? null,
      status: r.status as JobTask['status'],
      remoteState: (r.remote_state as string | null) ?? null,
      exitCode: (r.exit_code as number | null) ?? null,
      started: (r.started as string | null) ?? null,
      ended: (r.ended as string | null) ?? null,
    }));
  }

  async deleteEndedBefore(before: string, limit: number): Promise<number> {
    const bound = new Date(before).toISOString();
    return this.tx(async (c) => {
      // The batch's jobs are locked first, skipping those another transaction holds (a job
      // being changed; another gateway's retention batch): replicas running this at once take
      // disjoint batches and never wait for each other. Waiting for a child row (a job's logs
      // saved right now) is bounded: the batch fails and the next run takes it again.
      await c.query("SET LOCAL lock_timeout = '5s'");
      // ENDED is jobs_ended's own condition, so that the planner reads the oldest from it. The
      // foreign keys' cascades take events, tasks, logs and request keys; event ids are an
      // identity, never handed out again. rowCount counts the jobs only.
      const { rowCount } = await c.query(
        `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE ${ENDED} AND ended < $1 AND remote_done
           ORDER BY ended LIMIT $2 FOR UPDATE SKIP LOCKED)`,
        [bound, Math.max(0, limit)],
      );
      return rowCount ?? 0;
    });
  }

  async savedLog(jobId: string, stream: LogStream): Promise<SavedLog | undefined> {
    if (hasNul(jobId, stream)) return undefined;
    const { rows } = await this.pool.query<Row>(
      'SELECT * FROM job_logs WHERE job_id = $1 AND stream = $2',
      [jobId, stream],
    );
    const r = rows[0];
    return r
      ? {
          jobId: r.job_id as string,
          stream: r.stream as LogStream,
          kind: r.kind as SavedLog['kind'],
          at: r.at as string,
          start: r.start as number,
          size: r.size as number,
          content: r.content as Buffer,
        }
      : undefined;
  }

  async ping(): Promise<void> {
    await this.pool.query('SELECT 1');
  }

  async close(): Promise<void> {
    await this.pool.end();
  }

  /**
   * For the benchmark and imports: stores many jobs (each with its first event) in one
   * transaction of multi-row inserts. No singleton check beyond the index, no resubmission link.
   */
  async createBatch(jobs: readonly JobRecord[], event: NewJobEvent): Promise<void> {
    const perStatement = 500;
    await this.tx(async (c) => {
      await lockEvents(c);
      for (let i = 0; i < jobs.length; i += perStatement) {
        const chunk = jobs.slice(i, i + perStatement);
        const values: unknown[] = [];
        const rows = chunk.map((job) => {
          const row = [...stateValues(job), paramsText(job)];
          const first = values.length;
          values.push(...row);
          return `(${row.map((_, k) => `$${first + k + 1}`).join(', ')})`;
        });
        await c.query(
          `INSERT INTO jobs (${STATE_COLUMN_LIST.join(', ')}, params) VALUES ${rows.join(', ')}`,
          values,
        );
        await c.query(
          `INSERT INTO job_events (job_id, seq, at, event, status, actor, description)
           SELECT j.id, 1, j.created, $2, j.status, $3, $4 FROM jobs j WHERE j.id = ANY($1::text[])`,
          [chunk.map((j) => j.id), event.event, event.actor, event.description],
        );
      }
    });
  }
}

/** Placeholders for one statement's values, in order. */
class Params {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

async function lockEvents(c: Queryable): Promise<void> {
  await c.query(`SELECT ${EVENT_LOCK}`);
}

async function insertEvent(
  c: Queryable,
  jobId: string,
  status: JobStatus,
  e: NewJobEvent,
): Promise<void> {
  await c.query(
    `INSERT INTO job_events (job_id, seq, at, event, status, actor, description)
     VALUES ($1, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = $1),
             $2, $3, $4, $5, $6)`,
    [jobId, e.at ?? new Date().toISOString(), e.event, status, e.actor, e.description],
  );
}

/** The old job of a resubmission names its latest successor, with an event in its history. */
async function linkResubmission(
  c: Queryable,
  fromId: string,
  toId: string,
  event: NewJobEvent,
): Promise<void> {
  const { rows } = await c.query<{ status: JobStatus; last_updated: string }>(
    'SELECT status, last_updated FROM jobs WHERE id = $1 FOR UPDATE',
    [fromId],
  );
  const row = rows[0];
  if (!row) return;
  // Strictly increasing, as in update(): lastUpdated identifies a version of the job.
  const now = new Date(Math.max(Date.now(), Date.parse(row.last_updated) + 1)).toISOString();
  await c.query('UPDATE jobs SET resubmitted_as = $1, last_updated = $2 WHERE id = $3', [
    toId,
    now,
    fromId,
  ]);
  await insertEvent(c, fromId, row.status, { at: now, ...event });
}

/**
 * Proves the lease is still the writer's, and keeps it so until the transaction ends: the share
 * lock makes a takeover (an UPDATE of the row) wait for this write's commit.
 */
async function holdFence(c: Queryable, fence: LeaseFence): Promise<void> {
  const { rowCount } = await c.query(
    `SELECT 1 FROM leases WHERE name = $1 AND holder = $2 AND epoch = $3 AND expires_at > now()
     FOR SHARE`,
    [fence.name, fence.holder, fence.epoch],
  );
  if (rowCount !== 1) throw new FencedOutError(fence);
}

async function requestKeyJob(
  c: Queryable,
  owner: string,
  key: string,
): Promise<string | undefined> {
  const { rows } = await c.query<{ job_id: string }>(
    'SELECT job_id FROM job_request_keys WHERE owner = $1 AND key = $2',
    [owner, key],
  );
  return rows[0]?.job_id;
}

async function holderOf(
  c: Queryable,
  owner: string,
  exclusiveKey: string,
): Promise<JobRecord | undefined> {
  const { rows } = await c.query<Row>(
    `SELECT ${ALL_COLUMNS} FROM jobs WHERE owner = $1 AND exclusive_key = $2 AND ${HOLDS_KEY}`,
    [owner, exclusiveKey],
  );
  return rows[0] ? fromRow(rows[0]) : undefined;
}

/** The unique index on the singleton key refused the insert. */
function isKeyTaken(job: JobRecord, err: unknown): boolean {
  return (
    Boolean(job.exclusiveKey) &&
    err instanceof pg.DatabaseError &&
    err.code === '23505' &&
    err.constraint === 'jobs_exclusive_key'
  );
}

/**
 * The WHERE terms shared by list, select and eventsOf (on `jobs`): every given criterion must
 * hold. Lists travel as one array parameter (`= ANY($n)`), never one term per value, except name
 * patterns: each is its own `LIKE $n`, so that the planner sees each pattern's literal prefix and
 * reads it as a range of `jobs_owner_name` (the contract allows at most 100). A criterion given
 * empty selects nothing (the contract refuses it; never read it as "any").
 */
function criteria(q: Params, owner: OwnerScope, c: JobSelector): string[] {
  const strings = [owner, c.execSystemId, ...(c.ids ?? []), ...(c.names ?? []), ...(c.tags ?? [])];
  if (hasNul(...strings, ...(c.status ?? []))) return ['FALSE'];
  const where = owner === null ? ['TRUE'] : [`jobs.owner = ${q.add(owner)}`];
  if (c.ids !== undefined) where.push(`jobs.id = ANY(${q.add(c.ids)}::text[])`);
  if (c.status !== undefined) where.push(`jobs.status = ANY(${q.add(c.status)}::text[])`);
  if (c.names !== undefined && c.names.length > 0) {
    const terms = c.names.map((n) => `jobs.name LIKE ${q.add(wildcardToLike(n))}`);
    where.push(`(${terms.join(' OR ')})`);
  }
  if (c.execSystemId !== undefined) where.push(`jobs.exec_system_id = ${q.add(c.execSystemId)}`);
  // Every tag asked for is one of the job's.
  if (c.tags !== undefined) where.push(`jobs.tags @> ${q.add(JSON.stringify(c.tags))}::jsonb`);
  const empty = [c.ids, c.status, c.names, c.tags].some((v) => v !== undefined && v.length === 0);
  if (empty || c.execSystemId === '') where.push('FALSE');
  return where;
}

/** `exp-*` → a LIKE pattern where only `*` is special (`%`, `_` and `\` are escaped). */
export function wildcardToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (ch) => `\\${ch}`).replace(/\*/g, '%');
}

/** The state columns' values of a job, in the order of STATE_COLUMN_LIST. */
function stateValues(job: JobRecord): unknown[] {
  const json = (v: unknown) => (v ? JSON.stringify(v) : null);
  return [
    job.id,
    job.owner,
    job.name,
    job.execSystemId,
    job.status,
    job.condition,
    job.lastMessage,
    job.remoteJobId,
    job.remoteState,
    job.remoteReason,
    job.remoteDone,
    job.exitCode,
    job.exitSignal,
    job.created,
    job.remoteSubmitted,
    job.remoteStarted,
    job.ended,
    job.lastUpdated,
    json(job.stopRequest),
    JSON.stringify(job.tags),
    job.remoteUser,
    job.submitAttempts?.count ?? 0,
    job.submitAttempts?.unanswered ?? 0,
    job.submitAttempts?.firstAt ?? null,
    job.submitAttempts?.lastAt ?? null,
    json(job.output),
    json(job.tasks),
    json(job.array),
    job.exclusiveKey,
    job.hidden,
    job.resubmittedFrom,
    job.resubmittedAs,
  ];
}

function paramsText(job: JobRecord): string {
  return JSON.stringify(Object.fromEntries(SUBMIT_PARAM_KEYS.map((k) => [k, job[k]])));
}

function eventFromRow(r: Row): JobEvent {
  return {
    seq: r.seq as number,
    at: r.at as string,
    event: r.event as JobEvent['event'],
    status: r.status as JobStatus,
    actor: (r.actor as string | null) ?? null,
    description: r.description as string,
  };
}

/** A job without its submit parameters (jsonb columns arrive parsed, times as ISO strings). */
function stateFromRow(r: Row): WatchedJob {
  return {
    id: r.id as string,
    owner: r.owner as string,
    name: r.name as string,
    execSystemId: r.exec_system_id as string,
    status: r.status as JobStatus,
    condition: (r.condition as JobRecord['condition']) ?? null,
    lastMessage: (r.last_message as string | null) ?? null,
    remoteJobId: (r.remote_job_id as string | null) ?? null,
    remoteUser: (r.remote_user as string | null) ?? null,
    remoteState: (r.remote_state as string | null) ?? null,
    remoteReason: (r.remote_reason as string | null) ?? null,
    remoteDone: r.remote_done === true,
    exitCode: (r.exit_code as number | null) ?? null,
    exitSignal: (r.exit_signal as number | null) ?? null,
    created: r.created as string,
    remoteSubmitted: (r.remote_submitted as string | null) ?? null,
    remoteStarted: (r.remote_started as string | null) ?? null,
    ended: (r.ended as string | null) ?? null,
    lastUpdated: r.last_updated as string,
    stopRequest: (r.stop_request as StopRequest | null) ?? null,
    tags: r.tags as string[],
    output: (r.output as JobOutputSummary | null) ?? null,
    tasks: (r.tasks as TaskSummary | null) ?? null,
    array: (r.array_spec as JobRecord['array']) ?? null,
    exclusiveKey: (r.exclusive_key as string | null) ?? null,
    hidden: r.hidden === true,
    resubmittedFrom: (r.resubmitted_from as string | null) ?? null,
    resubmittedAs: (r.resubmitted_as as string | null) ?? null,
    // Absent until the first sbatch run, as on a record not stored yet.
    ...((r.submit_attempts as number) > 0 && {
      submitAttempts: {
        count: r.submit_attempts as number,
        unanswered: r.submit_unanswered as number,
        firstAt: r.submit_first_at as string,
        lastAt: r.submit_last_at as string,
      },
    }),
  };
}

/**
 * The whole record: the state with the parameters added to it. Not `{ ...state, ...params }`:
 * V8 builds that object on its slow path (about 90 µs a job, against 4 µs here, measured on a
 * list page), and the record is slower to serialize afterwards too.
 */
function fromRow(r: Row): JobRecord {
  return withParams(stateFromRow(r), r.params as string);
}

/** The job's parameters (their JSON as stored: the submit's keys only) added to its state. */
function withParams(state: WatchedJob, params: string): JobRecord {
  return Object.assign(state, JSON.parse(params) as Pick<JobRecord, SubmitParamKey>);
}

/**
 * About how many bytes a row takes as JSON, as the SQLite store counts it: room for the field
 * names, the strings' lengths, the JSON columns' text, and the parameters' stored size (whether
 * or not the row carries them).
 */
function rowSize(r: Row): number {
  let n = 600;
  for (const [k, v] of Object.entries(r)) {
    if (k === 'params_bytes') n += Number(v);
    else if (k === 'params') continue;
    else if (typeof v === 'string') n += v.length;
    else if (v !== null && typeof v === 'object') n += JSON.stringify(v).length;
    else n += 8;
  }
  return n;
}
