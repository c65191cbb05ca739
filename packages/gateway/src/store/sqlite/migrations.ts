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
];
