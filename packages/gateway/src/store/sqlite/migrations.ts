/** Schema versions, applied in order; `PRAGMA user_version` records how far a database got. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    name TEXT NOT NULL,
    exec_system_id TEXT NOT NULL,
    status TEXT NOT NULL,
    condition TEXT,
    last_message TEXT,
    remote_job_id TEXT,
    remote_state TEXT,
    remote_reason TEXT,
    remote_done INTEGER NOT NULL DEFAULT 0,
    exit_code INTEGER,
    exit_signal INTEGER,
    created TEXT NOT NULL,
    remote_submitted TEXT,
    remote_started TEXT,
    ended TEXT,
    last_updated TEXT NOT NULL,
    stop_request TEXT,
    params TEXT NOT NULL,
    tags TEXT NOT NULL
  );
  CREATE INDEX jobs_owner_created ON jobs (owner, created DESC, id DESC);
  CREATE INDEX jobs_watch ON jobs (exec_system_id, remote_done);
  CREATE TABLE job_events (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    at TEXT NOT NULL,
    event TEXT NOT NULL,
    status TEXT NOT NULL,
    actor TEXT,
    description TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  );
  `,
  `
  CREATE TABLE idempotency_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    fingerprint TEXT NOT NULL,
    status_code INTEGER NOT NULL,
    body TEXT NOT NULL,
    created TEXT NOT NULL,
    PRIMARY KEY (owner, key)
  );
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created);
  `,
  // The submit parameters (scripts up to 1 MiB) move to the last column: SQLite reads a column by
  // walking the row, so every column behind a big one costs a walk through its overflow pages
  // (~70 ms per 200 jobs with 0.9 MB scripts). The monitor and the selectors then read rows
  // without touching the scripts. remoteUser gets its own column (the monitor needs it), and
  // (owner, status) an index for counting a user's unfinished jobs.
  `
  ALTER TABLE jobs ADD COLUMN remote_user TEXT;
  ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
  UPDATE jobs SET remote_user = json_extract(params, '$.remoteUser'), spec = params;
  ALTER TABLE jobs DROP COLUMN params;
  ALTER TABLE jobs RENAME COLUMN spec TO params;
  CREATE INDEX jobs_owner_status ON jobs (owner, status);
  `,
  // The job's sbatch runs (SubmitAttempts), so that retries and the watch for late arrivals
  // outlive the gateway. Added before the submit parameters, which move to the end again (see
  // above: the monitor reads these columns every cycle).
  `
  ALTER TABLE jobs ADD COLUMN submit_attempts INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN submit_unanswered INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN submit_first_at TEXT;
  ALTER TABLE jobs ADD COLUMN submit_last_at TEXT;
  ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
  UPDATE jobs SET spec = params;
  ALTER TABLE jobs DROP COLUMN params;
  ALTER TABLE jobs RENAME COLUMN spec TO params;
  `,
  // A gateway-wide event id for the all-jobs event stream (its SSE id, which a client resumes
  // from). Not job_events' rowid: without an INTEGER PRIMARY KEY, VACUUM may renumber rowids, and
  // a deleted last row's rowid is handed out again. AUTOINCREMENT ids only grow and are never
  // reused; the trigger gives every event one in the transaction that writes it, so ids follow
  // commit order (SQLite has one writer). Existing events are numbered in the order written.
  `
  CREATE TABLE job_event_ids (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    job_id TEXT NOT NULL,
    seq INTEGER NOT NULL,
    UNIQUE (job_id, seq),
    FOREIGN KEY (job_id, seq) REFERENCES job_events (job_id, seq) ON DELETE CASCADE
  );
  INSERT INTO job_event_ids (job_id, seq) SELECT job_id, seq FROM job_events ORDER BY at, rowid;
  CREATE TRIGGER job_events_global_id AFTER INSERT ON job_events BEGIN
    INSERT INTO job_event_ids (job_id, seq) VALUES (NEW.job_id, NEW.seq);
  END;
  `,
  // What the gateway saved of each job's stdout and stderr (the outputs issue): one row per log,
  // the final copy replacing the periodic one; `output` on the job says what is there. The
  // parameters move to the end again (see above).
  `
  ALTER TABLE jobs ADD COLUMN output TEXT;
  ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
  UPDATE jobs SET spec = params;
  ALTER TABLE jobs DROP COLUMN params;
  ALTER TABLE jobs RENAME COLUMN spec TO params;
  CREATE TABLE job_logs (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    stream TEXT NOT NULL,
    kind TEXT NOT NULL,
    at TEXT NOT NULL,
    start INTEGER NOT NULL,
    size INTEGER NOT NULL,
    content BLOB NOT NULL,
    PRIMARY KEY (job_id, stream)
  );
  `,
  // Webhooks (docs/webhooks.md): subscriptions, one delivery per (subscription, event) with its
  // attempts, and the deliverer's cursor (the gateway-wide event id it has read up to). A
  // delivery row is written with the cursor that passes its event, in one transaction: after a
  // restart nothing is lost and nothing is prepared twice. `from_event_id` is the last event id
  // when the subscription was made: it receives only later events.
  `
  CREATE TABLE webhook_subscriptions (
    id TEXT PRIMARY KEY,
    owner TEXT NOT NULL,
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    job_id TEXT,
    selector TEXT,
    secret TEXT NOT NULL,
    from_event_id INTEGER NOT NULL,
    created TEXT NOT NULL
  );
  CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner, created DESC, id DESC);
  CREATE TABLE webhook_deliveries (
    id TEXT PRIMARY KEY,
    subscription_id TEXT NOT NULL REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id INTEGER NOT NULL,
    job_id TEXT NOT NULL,
    event TEXT NOT NULL,
    body TEXT NOT NULL,
    state TEXT NOT NULL,
    attempts INTEGER NOT NULL DEFAULT 0,
    created TEXT NOT NULL,
    next_attempt_at TEXT,
    finished TEXT,
    error TEXT,
    UNIQUE (subscription_id, event_id)
  );
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (state) WHERE state = 'pending';
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished) WHERE finished IS NOT NULL;
  CREATE TABLE webhook_attempts (
    delivery_id TEXT NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt INTEGER NOT NULL,
    at TEXT NOT NULL,
    status_code INTEGER,
    error TEXT,
    duration_ms REAL NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
  );
  CREATE TABLE webhook_cursor (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    event_id INTEGER NOT NULL
  );
  `,
  // Singleton jobs, hiding and resubmission (issue 11). A singleton's key is unique per owner
  // among unfinished jobs: the partial index makes the insert itself refuse a second holder, so
  // concurrent submits cannot both pass a check made before it. A job that ends leaves the index
  // and frees the key. The parameters move to the end again (see above).
  `
  ALTER TABLE jobs ADD COLUMN exclusive_key TEXT;
  ALTER TABLE jobs ADD COLUMN hidden INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN resubmitted_from TEXT;
  ALTER TABLE jobs ADD COLUMN resubmitted_as TEXT;
  ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
  UPDATE jobs SET spec = params;
  ALTER TABLE jobs DROP COLUMN params;
  ALTER TABLE jobs RENAME COLUMN spec TO params;
  CREATE UNIQUE INDEX jobs_exclusive_key ON jobs (owner, exclusive_key)
    WHERE exclusive_key IS NOT NULL AND status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING');
  `,
  // Job arrays (issue 11): the tasks of each, one row per index, and the counts by status on the
  // job. The parameters move to the end again (see above).
  `
  ALTER TABLE jobs ADD COLUMN tasks TEXT;
  ALTER TABLE jobs ADD COLUMN array_spec TEXT;
  ALTER TABLE jobs ADD COLUMN spec TEXT NOT NULL DEFAULT '{}';
  UPDATE jobs SET spec = params;
  ALTER TABLE jobs DROP COLUMN params;
  ALTER TABLE jobs RENAME COLUMN spec TO params;
  CREATE TABLE job_tasks (
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx INTEGER NOT NULL,
    name TEXT,
    status TEXT NOT NULL,
    remote_state TEXT,
    exit_code INTEGER,
    started TEXT,
    ended TEXT,
    PRIMARY KEY (job_id, idx)
  );
  `,
  // The web page's sign-ins and sessions (issue 12), by the hash of their cookie's token.
  `
  CREATE TABLE web_logins (
    id_hash TEXT PRIMARY KEY,
    sealed TEXT NOT NULL,
    expires TEXT NOT NULL
  );
  CREATE INDEX web_logins_expires ON web_logins (expires);
  CREATE TABLE web_sessions (
    id_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL,
    sealed TEXT NOT NULL,
    created TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    expires TEXT NOT NULL
  );
  CREATE INDEX web_sessions_user ON web_sessions (username, created);
  CREATE INDEX web_sessions_expires ON web_sessions (expires);
  `,
  // A submit's Idempotency-Key, kept with the job it created, in the job's own transaction: a
  // retry whose first answer was never stored (the gateway died between) finds the job, never
  // makes a second. Gone with the job.
  `
  CREATE TABLE job_request_keys (
    owner TEXT NOT NULL,
    key TEXT NOT NULL,
    job_id TEXT NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (owner, key)
  );
  CREATE INDEX job_request_keys_job ON job_request_keys (job_id);
  `,
  // History at scale (issue 13, docs/postgres.md).
  // - Name filters: a pattern's literal prefix is a range of (owner, name). The index also holds
  //   what a list's order and hidden flag need, so a page's ids come from it alone, and a pattern
  //   starting with `*` is tested on its entries instead of on rows. Partial on a NOT NULL
  //   column, so every job is in it, but the planner considers it only for a query that compares
  //   `name`: without statistics (the gateway runs no ANALYZE) it would otherwise read a plain
  //   page from it and sort all of the owner's jobs instead of using jobs_owner_created's order.
  // - Every owner's list, newest first (an admin's owner=*).
  // - Retention: the ended jobs by end time (a job enters it once, when it ends).
  `
  CREATE INDEX jobs_owner_name ON jobs (owner, name, hidden, created, id) WHERE name IS NOT NULL;
  CREATE INDEX jobs_created ON jobs (created DESC, id DESC);
  CREATE INDEX jobs_ended ON jobs (ended) WHERE status IN ('FINISHED', 'FAILED', 'CANCELLED');
  `,
];
