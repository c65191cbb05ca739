import { chmodSync, closeSync, mkdirSync, openSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  type JobEvent,
  type JobOutputSummary,
  type JobSelector,
  type JobStatus,
  type JobTask,
  type ListJobsFilter,
  type LogStream,
  NON_TERMINAL_STATUSES,
  type TaskSummary,
} from '@hpcgate/contract';
import Database from 'better-sqlite3';
import { JobAlreadyRunningError, keyHolder } from '../../domain/singleton.js';
import { assertTransition } from '../../domain/transitions.js';
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
  RequestKeyTakenError,
  type SavedLog,
  type StoredJobEvent,
  SUBMIT_PARAM_KEYS,
  TooManyJobsSelectedError,
  type WatchedJob,
} from '../job-store.js';
import { decodeCursor, encodeCursor } from './cursor.js';
import { MIGRATIONS } from './migrations.js';
import { RecordCache } from './record-cache.js';

/** Prepared statements kept at most (see `sql`). */
const MAX_STATEMENTS = 500;

/**
 * Row text of the records kept built (see RecordCache): ~2,000 jobs of ~1 KB, each kept with its
 * record and its response text, a few MB in all.
 */
const RECORD_CACHE_BYTES = 2 * 1024 * 1024;

type Row = Record<string, unknown>;

// Kept for the error handler, which imports it from here.
export { InvalidCursorError };

/**
 * Every column but `params`: the submit parameters are one JSON column (they never change after
 * submission), the last of the table so that reading the others never walks through a script.
 */
const STATE_COLUMNS = `id, owner, name, exec_system_id, status, condition, last_message, remote_job_id,
  remote_state, remote_reason, remote_done, exit_code, exit_signal, created, remote_submitted,
  remote_started, ended, last_updated, stop_request, tags, remote_user, submit_attempts,
  submit_unanswered, submit_first_at, submit_last_at, output, tasks, array_spec, exclusive_key, hidden, resubmitted_from,
  resubmitted_as`;

/**
 * A job's state as one JSON object built by SQLite, in the API's names: reading a row as a JavaScript object costs better-sqlite3 a property per column,
 * ~25 µs for the 33 columns of a job against ~5 µs for one text, and `JSON.parse` then builds the
 * whole record at once. Then the SubmitAttempts' JSON, or null when there were none (the record
 * has no such key then), and `params` (`recordFromJson`).
 */
const STATE_JSON = `json_object(
    'id', id, 'owner', owner, 'name', name, 'execSystemId', exec_system_id, 'status', status,
    'condition', condition, 'lastMessage', last_message, 'remoteJobId', remote_job_id,
    'remoteUser', remote_user, 'remoteState', remote_state, 'remoteReason', remote_reason,
    'remoteDone', json(CASE WHEN remote_done = 1 THEN 'true' ELSE 'false' END),
    'exitCode', exit_code, 'exitSignal', exit_signal, 'created', created,
    'remoteSubmitted', remote_submitted, 'remoteStarted', remote_started, 'ended', ended,
    'lastUpdated', last_updated, 'stopRequest', json(NULLIF(stop_request, '')), 'tags', json(tags),
    'output', json(NULLIF(output, '')), 'tasks', json(NULLIF(tasks, '')),
    'array', json(NULLIF(array_spec, '')), 'exclusiveKey', exclusive_key,
    'hidden', json(CASE WHEN hidden = 1 THEN 'true' ELSE 'false' END),
    'resubmittedFrom', resubmitted_from, 'resubmittedAs', resubmitted_as
  ), CASE WHEN submit_attempts > 0 THEN json_object('count', submit_attempts,
    'unanswered', submit_unanswered, 'firstAt', submit_first_at, 'lastAt', submit_last_at) END`;
const RECORD_JSON = `${STATE_JSON},
  params`;

/**
 * The statuses that hold a singleton key: the same text as the partial index `jobs_exclusive_key`
 * (migrations.ts), so that SQLite reads the holder through that index.
 */
const HOLDS_KEY = `status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING')`;

/** The statuses of a job that has ended: the same text as the partial index `jobs_ended`. */
const ENDED = `status IN ('FINISHED', 'FAILED', 'CANCELLED')`;

const COLUMNS: Record<string, string> = {
  name: 'name',
  execSystemId: 'exec_system_id',
  status: 'status',
  condition: 'condition',
  lastMessage: 'last_message',
  remoteJobId: 'remote_job_id',
  remoteState: 'remote_state',
  remoteReason: 'remote_reason',
  remoteDone: 'remote_done',
  exitCode: 'exit_code',
  exitSignal: 'exit_signal',
  remoteSubmitted: 'remote_submitted',
  remoteStarted: 'remote_started',
  ended: 'ended',
  lastUpdated: 'last_updated',
  stopRequest: 'stop_request',
  remoteUser: 'remote_user',
  output: 'output',
  tasks: 'tasks',
  exclusiveKey: 'exclusive_key',
  hidden: 'hidden',
  resubmittedFrom: 'resubmitted_from',
  resubmittedAs: 'resubmitted_as',
};

/** SubmitAttempts, one column per field. */
const SUBMIT_COLUMNS = [
  'submit_attempts',
  'submit_unanswered',
  'submit_first_at',
  'submit_last_at',
];

/** Jobs and their history in one SQLite file (WAL mode), through better-sqlite3. */
export class SqliteJobStore implements JobStore {
  private readonly db: Database.Database;

  private readonly statements = new Map<string, Database.Statement>();

  /** Records read before, by id, each with the row it was built from. */
  private readonly records = new RecordCache<JobRecord>(RECORD_CACHE_BYTES);
  /** What `version` saw last: this connection's changes and the others' commits. */
  private seen: readonly [changes: number, commits: number] = [-1, -1];
  private generation = 0;

  constructor(path: string) {
    if (path !== ':memory:') prepareFile(path);
    this.db = new Database(path);
    this.db.pragma('journal_mode = WAL');
    this.db.pragma('synchronous = NORMAL');
    this.db.pragma('foreign_keys = ON');
    this.db.pragma('busy_timeout = 5000');
    this.migrate();
  }

  /**
   * The statement for `text`, prepared once: preparing again on every call was a fifth of a
   * getJob's time. Bounded: list and select build their text from the filters given (values are
   * always parameters), so a few hundred texts at most; past the bound the oldest goes.
   */
  private sql(text: string): Database.Statement {
    let statement = this.statements.get(text);
    if (!statement) {
      statement = this.db.prepare(text);
      if (this.statements.size >= MAX_STATEMENTS) {
        this.statements.delete(this.statements.keys().next().value as string);
      }
      this.statements.set(text, statement);
    }
    return statement;
  }

  /**
   * The connection, for stores of other tables in this file (webhooks): one connection, so that
   * their transactions and the jobs' are ordered, and an in-memory database is shared.
   */
  get database(): Database.Database {
    return this.db;
  }

  /** Applies the migrations this database has not seen, each in its own transaction. */
  private migrate(): void {
    const current = this.db.pragma('user_version', { simple: true }) as number;
    MIGRATIONS.slice(current).forEach((sql, i) => {
      this.db.transaction(() => {
        this.db.exec(sql);
        this.db.pragma(`user_version = ${current + i + 1}`);
      })();
    });
  }

  async create(job: JobRecord, event: NewJobEvent, options: CreateOptions = {}): Promise<void> {
    const { previousEvent, requestKey } = options;
    this.db.transaction(() => {
      try {
        this.sql(
          `INSERT INTO jobs (${STATE_COLUMNS}, params)
             VALUES (@id, @owner, @name, @exec_system_id, @status, @condition, @last_message,
               @remote_job_id, @remote_state, @remote_reason, @remote_done, @exit_code, @exit_signal,
               @created, @remote_submitted, @remote_started, @ended, @last_updated, @stop_request,
               @tags, @remote_user, @submit_attempts, @submit_unanswered, @submit_first_at,
               @submit_last_at, @output, @tasks, @array_spec, @exclusive_key, @hidden, @resubmitted_from,
               @resubmitted_as, @params)`,
        ).run(toRow(job));
      } catch (err) {
        throw this.keyTaken(job, err) ?? err;
      }
      if (requestKey !== undefined) this.keepRequestKey(job, requestKey);
      this.insertEvent(job.id, job.status, event);
      if (job.resubmittedFrom && previousEvent) {
        this.linkResubmission(job.resubmittedFrom, job.id, previousEvent);
      }
    })();
  }

  /** Throws (undoing the job's insert) when the key already created a job. */
  private keepRequestKey(job: JobRecord, key: string): void {
    const kept = this.sql(
      'INSERT INTO job_request_keys (owner, key, job_id) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
    ).run(job.owner, key, job.id);
    if (kept.changes === 1) return;
    const first = this.requestKeyJob(job.owner, key);
    throw new RequestKeyTakenError(first ?? 'unknown');
  }

  private requestKeyJob(owner: string, key: string): string | undefined {
    const row = this.sql('SELECT job_id FROM job_request_keys WHERE owner = ? AND key = ?').get(
      owner,
      key,
    ) as { job_id: string } | undefined;
    return row?.job_id;
  }

  async countByStatus(): Promise<Partial<Record<JobStatus, number>>> {
    const rows = this.sql('SELECT status, count(*) AS n FROM jobs GROUP BY status').all() as Array<{
      status: JobStatus;
      n: number;
    }>;
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  async jobForRequestKey(owner: string, key: string): Promise<string | undefined> {
    return this.requestKeyJob(owner, key);
  }

  /**
   * The singleton refusal an insert's failure stands for: the unique index on the key refused
   * it, and the job now holding the key is named (read in the same transaction).
   */
  private keyTaken(job: JobRecord, err: unknown): JobAlreadyRunningError | undefined {
    if (!(err instanceof Database.SqliteError) || err.code !== 'SQLITE_CONSTRAINT_UNIQUE') return;
    if (!job.exclusiveKey || !err.message.includes('jobs.exclusive_key')) return;
    const holder = this.holderOf(job.owner, job.exclusiveKey);
    return holder ? new JobAlreadyRunningError(keyHolder(holder)) : undefined;
  }

  /** The old job of a resubmission names its latest successor, with an event in its history. */
  private linkResubmission(fromId: string, toId: string, event: NewJobEvent): void {
    const row = this.sql('SELECT status, last_updated FROM jobs WHERE id = ?').get(fromId) as
      | { status: JobStatus; last_updated: string }
      | undefined;
    if (!row) return;
    // Strictly increasing, as in update(): lastUpdated identifies a version of the job.
    const now = new Date(Math.max(Date.now(), Date.parse(row.last_updated) + 1)).toISOString();
    this.sql('UPDATE jobs SET resubmitted_as = ?, last_updated = ? WHERE id = ?').run(
      toId,
      now,
      fromId,
    );
    this.insertEvent(fromId, row.status, { at: now, ...event });
  }

  private holderOf(owner: string, exclusiveKey: string): JobRecord | undefined {
    const row = this.sql(
      `SELECT ${RECORD_JSON} FROM jobs WHERE owner = ? AND exclusive_key = ? AND ${HOLDS_KEY}`,
    )
      .raw()
      .get(owner, exclusiveKey) as RecordRow | undefined;
    return row ? recordFromJson(row) : undefined;
  }

  async exclusiveHolder(owner: string, exclusiveKey: string): Promise<JobRecord | undefined> {
    return this.holderOf(owner, exclusiveKey);
  }

  async setHidden(id: string, hidden: boolean): Promise<JobRecord | undefined> {
    this.sql('UPDATE jobs SET hidden = ? WHERE id = ?').run(hidden ? 1 : 0, id);
    return this.get(id);
  }

  async get(id: string): Promise<JobRecord | undefined> {
    return this.record(id, this.version());
  }

  /**
   * One job by its id, read as JSON (see RECORD_JSON); with the database unchanged since its
   * record was checked at `version`, not read at all.
   */
  private record(id: string, version: number | null = null): JobRecord | undefined {
    const fresh = version === null ? undefined : this.records.fresh(id, version);
    if (fresh) return fresh.value;
    const row = this.recordById().get(id) as RecordRow | undefined;
    return row ? this.recordOf(id, row, version) : undefined;
  }

  /**
   * The record of a row: the one built before when the row is unchanged (frozen, shared by
   * every reader), else built now.
   */
  private recordOf(id: string, row: RecordRow, version: number | null): JobRecord {
    return this.records.of(id, row, () => recordFromJson(row), version);
  }

  /**
   * The database's version: a number that changes whenever a row may have changed, this
   * connection's writes (`total_changes()`, which counts rolled-back ones too) or another
   * connection's commits (`data_version`). Null inside a transaction: one that writes may still
   * roll back, and what it read after its writes must never be taken for the version's.
   * Read before the rows it vouches for, so that they are at least as new as it.
   */
  private version(): number | null {
    return this.db.inTransaction ? null : this.readVersion();
  }

  /** The version as `version` reads it, inside a transaction too (one known to only read). */
  private readVersion(): number {
    const [changes, commits] = this.sql(
      'SELECT total_changes(), data_version FROM pragma_data_version',
    )
      .raw()
      .get() as [number, number];
    if (changes !== this.seen[0] || commits !== this.seen[1]) {
      this.seen = [changes, commits];
      this.generation++;
    }
    return this.generation;
  }

  private recordById(): Database.Statement {
    return this.sql(`SELECT ${RECORD_JSON} FROM jobs WHERE id = ?`).raw();
  }

  async update(id: string, change: JobChange): Promise<JobRecord | undefined> {
    return this.db.transaction((): JobRecord | undefined => {
      const job = this.record(id);
      if (!job) return undefined;
      if (change.expectStatus && !change.expectStatus.includes(job.status)) return undefined;
      if (change.expectLastUpdated && change.expectLastUpdated !== job.lastUpdated)
        return undefined;
      // Strictly increasing, so that lastUpdated identifies a version of the job.
      const now = new Date(Math.max(Date.now(), Date.parse(job.lastUpdated) + 1)).toISOString();
      let status: JobStatus = job.status;
      for (const step of change.steps ?? []) {
        assertTransition(id, status, step.status);
        status = step.status;
        this.insertEvent(id, status, {
          event: 'STATUS_CHANGED',
          actor: step.actor ?? null,
          description: step.description,
          at: now,
        });
      }
      for (const event of change.events ?? []) this.insertEvent(id, status, { at: now, ...event });
      const next: JobRecord = { ...job, ...change.patch, status, lastUpdated: now };
      const sets = [...Object.values(COLUMNS), ...SUBMIT_COLUMNS]
        .map((c) => `${c} = @${c}`)
        .join(', ');
      this.sql(`UPDATE jobs SET ${sets} WHERE id = @id`).run(toRow(next));
      return next;
    })();
  }

  async list(owner: OwnerScope, filter: ListJobsFilter): Promise<JobPage> {
    const { sql, params } = pageIdsQuery(owner, filter);
    const before = this.version();
    // Two steps in one read transaction: the page's ids (sorted from an index where the plan
    // sorts at all, never carrying whole rows through the sort), then its rows one by one, read
    // only as far as the page goes (a page of 1 MiB scripts reads one more of them at most).
    return this.db.transaction((): JobPage => {
      const ids = this.sql(sql).pluck().all(params) as string[];
      // Unchanged from before the snapshot (taken by the first read) to after it: the records
      // checked at that version are this snapshot's, and need no reading.
      const version = before !== null && this.readVersion() === before ? before : null;
      const byId = this.recordById();
      const jobs: JobRecord[] = [];
      let bytes = 0;
      let more = false;
      for (const id of ids) {
        const fresh = version === null ? undefined : this.records.fresh(id, version);
        const row = fresh ? undefined : (byId.get(id) as RecordRow);
        const size = fresh ? fresh.bytes : recordSize(row!);
        if (jobs.length === filter.limit || (jobs.length > 0 && bytes + size > LIST_PAGE_BYTES)) {
          more = true;
          break;
        }
        jobs.push(fresh ? fresh.value : this.recordOf(id, row!, version));
        bytes += size;
      }
      const last = jobs.at(-1);
      return { jobs, nextCursor: more && last ? encodeCursor(last.created, last.id) : null };
    })();
  }

  async select(owner: OwnerScope, selector: JobSelector): Promise<JobRecord[]> {
    const { where, params } = criteria(owner, selector);
    const clause = where.join(' AND ');
    // Counted first (the criteria read no script), so that too big a selection costs no reading.
    const { n } = this.sql(`SELECT count(*) AS n FROM jobs WHERE ${clause}`).get(params) as {
      n: number;
    };
    if (n > MAX_BULK_STOP) throw new TooManyJobsSelectedError(n, MAX_BULK_STOP);
    return (
      this.sql(`SELECT ${RECORD_JSON} FROM jobs WHERE ${clause} ORDER BY created DESC, id DESC`)
        .raw()
        .all(params) as RecordRow[]
    ).map(recordFromJson);
  }

  async history(id: string): Promise<JobEvent[]> {
    return (
      this.sql('SELECT * FROM job_events WHERE job_id = ? ORDER BY seq').all(id) as Row[]
    ).map((r) => ({
      seq: r.seq as number,
      at: r.at as string,
      event: r.event as JobEvent['event'],
      status: r.status as JobStatus,
      actor: (r.actor as string | null) ?? null,
      description: r.description as string,
    }));
  }

  async historyAfter(id: string, afterSeq: number, limit: number): Promise<JobEvent[]> {
    return (
      this.sql('SELECT * FROM job_events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?').all(
        id,
        afterSeq,
        limit,
      ) as Row[]
    ).map(eventFromRow);
  }

  async eventsOf(
    owner: OwnerScope,
    afterId: number,
    filter: OwnerEventFilter,
    limit: number,
  ): Promise<StoredJobEvent[]> {
    // The job criteria of list/select (owner, name, tags: they name no column of the events).
    const { where, params } = criteria(owner, {
      names: filter.name !== undefined ? [filter.name] : undefined,
      tags: filter.tags,
    });
    where.push('g.id > @afterId');
    params.afterId = afterId;
    params.limit = limit;
    if (filter.status !== undefined) {
      where.push('e.status IN (SELECT value FROM json_each(@eventStatus))');
      params.eventStatus = JSON.stringify(filter.status);
      if (filter.status.length === 0) where.push('0');
    }
    // A range of the ids' primary key, newest events only: cheap however long the history.
    return (
      this.sql(
        `SELECT g.id AS gid, e.* FROM job_event_ids g
           JOIN job_events e ON e.job_id = g.job_id AND e.seq = g.seq
           JOIN jobs ON jobs.id = g.job_id
           WHERE ${where.join(' AND ')} ORDER BY g.id LIMIT @limit`,
      ).all(params) as Row[]
    ).map((r) => ({ id: r.gid as number, jobId: r.job_id as string, ...eventFromRow(r) }));
  }

  async lastEventId(): Promise<number> {
    const { id } = this.sql('SELECT COALESCE(MAX(id), 0) AS id FROM job_event_ids').get() as {
      id: number;
    };
    return id;
  }

  async watched(systemId: string): Promise<WatchedJob[]> {
    return (
      this.sql(
        `SELECT ${STATE_JSON} FROM jobs WHERE exec_system_id = ? AND remote_done = 0
           ORDER BY created`,
      )
        .raw()
        .all(systemId) as StateRow[]
    ).map(([state, attempts]) => JSON.parse(`${stateHead(state, attempts)}}`) as WatchedJob);
  }

  async countActive(owner: string): Promise<number> {
    const { n } = this.sql(
      'SELECT count(*) AS n FROM jobs WHERE owner = ? AND status IN (SELECT value FROM json_each(?))',
    ).get(owner, JSON.stringify(NON_TERMINAL_STATUSES)) as { n: number };
    return n;
  }

  async getIdempotentResponse(owner: string, key: string): Promise<IdempotentResponse | undefined> {
    const r = this.sql('SELECT * FROM idempotency_keys WHERE owner = ? AND key = ?').get(
      owner,
      key,
    ) as Row | undefined;
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
    this.sql(
      `INSERT OR IGNORE INTO idempotency_keys (owner, key, fingerprint, status_code, body, created)
         VALUES (?, ?, ?, ?, ?, ?)`,
    ).run(x.owner, x.key, x.fingerprint, x.statusCode, x.body, x.created);
  }

  async pruneIdempotentResponses(before: string): Promise<number> {
    return this.sql('DELETE FROM idempotency_keys WHERE created < ?').run(before).changes;
  }

  async saveLogs(
    jobId: string,
    logs: readonly SavedLog[],
    summary: JobOutputSummary,
  ): Promise<void> {
    this.db.transaction(() => {
      // A periodic copy never replaces a final one (a slow periodic read may end after the job).
      const upsert = this.sql(
        `INSERT INTO job_logs (job_id, stream, kind, at, start, size, content)
         VALUES (@jobId, @stream, @kind, @at, @start, @size, @content)
         ON CONFLICT (job_id, stream) DO UPDATE SET kind = excluded.kind, at = excluded.at,
           start = excluded.start, size = excluded.size, content = excluded.content
         WHERE job_logs.kind <> 'final' OR excluded.kind = 'final'`,
      );
      for (const log of logs) upsert.run(log);
      this.sql(
        `UPDATE jobs SET output = @output WHERE id = @id
             AND (@collected = 1 OR output IS NULL OR json_extract(output, '$.collected') = 0)`,
      ).run({ id: jobId, output: JSON.stringify(summary), collected: summary.collected ? 1 : 0 });
    })();
  }

  async saveTasks(jobId: string, tasks: readonly JobTask[], summary: TaskSummary): Promise<void> {
    this.db.transaction(() => {
      const upsert = this.sql(
        `INSERT INTO job_tasks (job_id, idx, name, status, remote_state, exit_code, started, ended)
         VALUES (@jobId, @index, @name, @status, @remoteState, @exitCode, @started, @ended)
         ON CONFLICT (job_id, idx) DO UPDATE SET status = excluded.status,
           remote_state = excluded.remote_state, exit_code = excluded.exit_code,
           started = excluded.started, ended = excluded.ended`,
      );
      for (const t of tasks) upsert.run({ jobId, ...t });
      this.sql('UPDATE jobs SET tasks = ? WHERE id = ?').run(JSON.stringify(summary), jobId);
    })();
  }

  async tasks(jobId: string, page: { skip: number; limit: number }): Promise<JobTask[]> {
    const rows = this.sql(
      'SELECT * FROM job_tasks WHERE job_id = ? ORDER BY idx LIMIT ? OFFSET ?',
    ).all(jobId, page.limit, page.skip) as Row[];
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
    // ENDED is jobs_ended's own condition, so that SQLite reads the oldest from that index. The
    // foreign keys' cascades take the rest: events with their gateway-wide ids (AUTOINCREMENT:
    // an id is never handed out again, the last one included), tasks, logs, request keys.
    // `changes` counts the jobs only. One statement, one transaction, one writer.
    return this.sql(
      `DELETE FROM jobs WHERE id IN (
           SELECT id FROM jobs WHERE ${ENDED} AND ended < ? AND remote_done = 1
           ORDER BY ended LIMIT ?)`,
    ).run(new Date(before).toISOString(), Math.max(0, limit)).changes;
  }

  async savedLog(jobId: string, stream: LogStream): Promise<SavedLog | undefined> {
    const r = this.sql('SELECT * FROM job_logs WHERE job_id = ? AND stream = ?').get(
      jobId,
      stream,
    ) as Row | undefined;
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
    this.sql('SELECT 1').get();
  }

  /** One embedded connection: nothing to pool. */
  poolState(): null {
    return null;
  }

  async close(): Promise<void> {
    this.db.close();
  }

  private insertEvent(jobId: string, status: JobStatus, e: NewJobEvent): void {
    this.sql(
      `INSERT INTO job_events (job_id, seq, at, event, status, actor, description)
         VALUES (@jobId, (SELECT COALESCE(MAX(seq), 0) + 1 FROM job_events WHERE job_id = @jobId),
                 @at, @event, @status, @actor, @description)`,
    ).run({
      jobId,
      at: e.at ?? new Date().toISOString(),
      event: e.event,
      status,
      actor: e.actor,
      description: e.description,
    });
  }
}

/**
 * The first step of a list page: the ids of its jobs and of the one after (to know whether there
 * is a next page), newest first. Exported for the tests of its plans.
 */
export function pageIdsQuery(
  owner: OwnerScope,
  filter: ListJobsFilter,
): { sql: string; params: Row } {
  const { where, params, scanNames } = criteria(owner, {
    status: filter.status,
    names: filter.name !== undefined ? [filter.name] : undefined,
    execSystemId: filter.execSystemId,
    tags: filter.tags,
  });
  params.limit = filter.limit + 1;
  if (!filter.includeHidden) where.push('jobs.hidden = 0');
  if (filter.createdAfter) {
    where.push('jobs.created >= @createdAfter');
    params.createdAfter = new Date(filter.createdAfter).toISOString();
  }
  if (filter.createdBefore) {
    where.push('jobs.created < @createdBefore');
    params.createdBefore = new Date(filter.createdBefore).toISOString();
  }
  if (filter.cursor) {
    const [created, id] = decodeCursor(filter.cursor);
    // A row value: one range of jobs_owner_created, however deep the page.
    where.push('(jobs.created, jobs.id) < (@cCreated, @cId)');
    params.cCreated = created;
    params.cId = id;
  }
  // A name with no range to read (a pattern that starts with `*`, or every owner's names) is
  // tested on the entries of jobs_owner_name, which hold what the order and the hidden flag
  // need too: a rare match costs one pass over that index, never one over the rows in time
  // order. A range is left to the planner (jobs_owner_name, or the time order for a common one).
  const index = scanNames ? 'INDEXED BY jobs_owner_name' : '';
  const sql = `SELECT jobs.id FROM jobs ${index} WHERE ${where.join(' AND ')}
    ORDER BY jobs.created DESC, jobs.id DESC LIMIT @limit`;
  return { sql, params };
}

/**
 * The WHERE clauses shared by list and select: every given criterion must hold. Each list is one
 * JSON parameter (`IN (SELECT value FROM json_each(?))`), never one term per value: 10,000 ids
 * would pass SQLite's limits on expression depth and parameters. One name pattern (a list's) is
 * terms of its own instead, which an index can serve ({@link nameTerms}); `scanNames` says that
 * they have no range of it to read. A criterion given empty selects nothing (the contract refuses
 * it; never read it as "any").
 */
function criteria(
  owner: OwnerScope,
  c: JobSelector,
): { where: string[]; params: Row; scanNames: boolean } {
  const where = owner === null ? ['1'] : ['owner = @owner'];
  const params: Row = owner === null ? {} : { owner };
  if (c.ids !== undefined) {
    where.push('id IN (SELECT value FROM json_each(@ids))');
    params.ids = JSON.stringify(c.ids);
  }
  if (c.status !== undefined) {
    where.push('status IN (SELECT value FROM json_each(@status))');
    params.status = JSON.stringify(c.status);
  }
  let scanNames = false;
  if (c.names?.length === 1) {
    const pattern = c.names[0]!;
    const terms = nameTerms(pattern, params);
    where.push(...terms);
    // One owner's names from a literal prefix on (or the one name) are a range of
    // jobs_owner_name; any other pattern (that names the column) is tested on all its entries.
    scanNames = terms.length > 0 && terms[0] !== '0' && (owner === null || pattern.startsWith('*'));
  } else if (c.names !== undefined) {
    where.push('EXISTS (SELECT 1 FROM json_each(@names) WHERE jobs.name GLOB json_each.value)');
    params.names = JSON.stringify(c.names.map(wildcardToGlob));
  }
  if (c.execSystemId !== undefined) {
    where.push('exec_system_id = @execSystemId');
    params.execSystemId = c.execSystemId;
  }
  if (c.tags !== undefined) {
    // Every tag asked for is one of the job's.
    where.push(
      `NOT EXISTS (SELECT 1 FROM json_each(@tags) AS wanted
         WHERE wanted.value NOT IN (SELECT value FROM json_each(jobs.tags)))`,
    );
    params.tags = JSON.stringify(c.tags);
  }
  const empty = [c.ids, c.status, c.names, c.tags].some((v) => v !== undefined && v.length === 0);
  if (empty || c.execSystemId === '') where.push('0');
  return { where, params, scanNames };
}

/**
 * One name pattern's terms on `jobs.name`, its values put in `params`: without `*` an equality;
 * with one, a GLOB, and the literal part before the first `*` also as a range
 * (`sweep-12*` → `name >= 'sweep-12' AND name < 'sweep-13'`, `*-12` → `name >= ''`) that
 * jobs_owner_name reads. The GLOB alone decides what matches; the range only narrows what is
 * read, and names the column, which that partial index needs (see its migration).
 */
function nameTerms(pattern: string, params: Row): string[] {
  // No stored name holds a NUL (the contract's alphabet), and SQLite's GLOB would stop at one.
  if (pattern.includes('\u0000')) return ['0'];
  // Every name: no term, and the page comes in time order as without a filter.
  if (/^\*+$/.test(pattern)) return [];
  const star = pattern.indexOf('*');
  if (star < 0) {
    params.name = pattern;
    return ['jobs.name = @name'];
  }
  const prefix = pattern.slice(0, star);
  params.nameGlob = wildcardToGlob(pattern);
  params.nameFrom = prefix;
  const terms = ['jobs.name GLOB @nameGlob', 'jobs.name >= @nameFrom'];
  const end = prefix === '' ? undefined : prefixEnd(prefix);
  if (end !== undefined) {
    params.nameTo = end;
    terms.push('jobs.name < @nameTo');
  }
  return terms;
}

function toRow(job: JobRecord): Row {
  const params = Object.fromEntries(SUBMIT_PARAM_KEYS.map((k) => [k, job[k]]));
  return {
    id: job.id,
    owner: job.owner,
    name: job.name,
    exec_system_id: job.execSystemId,
    status: job.status,
    condition: job.condition,
    last_message: job.lastMessage,
    remote_job_id: job.remoteJobId,
    remote_state: job.remoteState,
    remote_reason: job.remoteReason,
    remote_done: job.remoteDone ? 1 : 0,
    exit_code: job.exitCode,
    exit_signal: job.exitSignal,
    created: job.created,
    remote_submitted: job.remoteSubmitted,
    remote_started: job.remoteStarted,
    ended: job.ended,
    last_updated: job.lastUpdated,
    stop_request: job.stopRequest ? JSON.stringify(job.stopRequest) : null,
    tags: JSON.stringify(job.tags),
    remote_user: job.remoteUser,
    submit_attempts: job.submitAttempts?.count ?? 0,
    submit_unanswered: job.submitAttempts?.unanswered ?? 0,
    submit_first_at: job.submitAttempts?.firstAt ?? null,
    submit_last_at: job.submitAttempts?.lastAt ?? null,
    output: job.output ? JSON.stringify(job.output) : null,
    tasks: job.tasks ? JSON.stringify(job.tasks) : null,
    array_spec: job.array ? JSON.stringify(job.array) : null,
    exclusive_key: job.exclusiveKey,
    hidden: job.hidden ? 1 : 0,
    resubmitted_from: job.resubmittedFrom,
    resubmitted_as: job.resubmittedAs,
    params: JSON.stringify(params),
  };
}

/**
 * The database holds every user's scripts and env values: the file (with its WAL and
 * shared-memory files) is 0600 whatever the umask, in a directory created 0700. A directory that
 * already exists is left as it is (it may be /var/lib).
 */
function prepareFile(path: string): void {
  const created = mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  if (created) chmodSync(created, 0o700);
  for (const f of [path, `${path}-wal`, `${path}-shm`]) {
    closeSync(openSync(f, 'a', 0o600));
    chmodSync(f, 0o600);
  }
}

/** A history event from a `job_events` row (as `history` reads it). */
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

/** A row of `SELECT ${STATE_JSON}`: the state's JSON and the SubmitAttempts'. */
type StateRow = [state: string, attempts: string | null];
/** A row of `SELECT ${RECORD_JSON}`: the state's JSON, the SubmitAttempts' and the parameters'. */
type RecordRow = [state: string, attempts: string | null, params: string];

/**
 * The state's JSON without its closing brace, with its SubmitAttempts when there were runs
 * (absent until the first, as on a record not stored yet).
 */
function stateHead(state: string, attempts: string | null): string {
  return attempts === null
    ? state.slice(0, -1)
    : `${state.slice(0, -1)},"submitAttempts":${attempts}`;
}

/**
 * The whole record: the state's JSON object, its SubmitAttempts when there were runs (absent until
 * the first, as on a record not stored yet) and the parameters (their keys after the state's, a
 * key of both taking the parameters' value, as `Object.assign(state, params)` did), as one text
 * for one `JSON.parse`. Not `{ ...state, ...params }`: V8 builds that object on its slow path
 * (about 90 µs a job, against 4 µs, measured on a list page), and the record is slower to
 * serialize afterwards too.
 */
function recordFromJson([state, attempts, params]: RecordRow): JobRecord {
  const head = stateHead(state, attempts);
  // The parameters are JSON.stringify's (or a migration's copy of them): an object, `{}` at least.
  const rest = params.charCodeAt(0) === 0x7b ? params.slice(1).trimStart() : '';
  if (rest === '') return Object.assign(JSON.parse(`${head}}`), JSON.parse(params)) as JobRecord;
  if (rest.charCodeAt(0) === 0x7d) return JSON.parse(`${head}}`) as JobRecord;
  return JSON.parse(`${head},${rest}`) as JobRecord;
}

/** About a job's size as JSON: the texts it is read from. */
function recordSize(row: RecordRow): number {
  return row[0].length + (row[1]?.length ?? 0) + row[2].length;
}

/**
 * The least string above every string that starts with `prefix`, in code point order (that of
 * UTF-8 bytes: SQLite's BINARY, PostgreSQL's "C"); undefined when there is none (or `prefix` is
 * not well-formed UTF-16).
 */
export function prefixEnd(prefix: string): string | undefined {
  if (/\p{Cs}/u.test(prefix)) return undefined;
  const points = [...prefix];
  while (points.length > 0) {
    const last = points.pop()!.codePointAt(0)!;
    if (last < 0x10ffff) {
      // The surrogates are no code points of their own: the next one after U+D7FF is U+E000.
      return points.join('') + String.fromCodePoint(last === 0xd7ff ? 0xe000 : last + 1);
    }
  }
  return undefined;
}

/** `exp-*` → a GLOB pattern where only `*` is special. */
export function wildcardToGlob(pattern: string): string {
  return pattern.replace(/[?[\]]/g, (c) => `[${c}]`);
}
