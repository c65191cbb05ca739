/**
 * Schema versions of the PostgreSQL store, applied in order; `schema_migrations` records which
 * ran. Each runs in the start-up transaction that holds {@link MIGRATION_LOCK}
 * (pg-job-store.ts): two gateways starting at once migrate once, the second finds the work done.
 *
 * Choices (docs/postgres.md):
 * - Text keys and names are `COLLATE "C"`: byte order, as SQLite compares them, so both stores
 *   page in the same order whatever the database's locale, and a plain btree serves
 *   `name LIKE 'prefix%'` (a locale collation would need `text_pattern_ops`).
 * - Times are `timestamptz` (8 bytes, real time arithmetic for retention), read back as ISO strings
 *   with milliseconds and `Z` (the pool's type parser), as the gateway writes them.
 * - The submit parameters are `json`, not `jsonb`: stored verbatim (the env's key order as given,
 *   what SQLite returns), never queried inside, and the last column (the monitor's reads never
 *   detoast a script). Everything queried or small is `jsonb`.
 */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE jobs (
    id text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    name text COLLATE "C" NOT NULL,
    exec_system_id text COLLATE "C" NOT NULL,
    status text NOT NULL,
    condition text,
    last_message text,
    remote_job_id text,
    remote_user text,
    remote_state text,
    remote_reason text,
    remote_done boolean NOT NULL DEFAULT false,
    exit_code integer,
    exit_signal integer,
    created timestamptz NOT NULL,
    remote_submitted timestamptz,
    remote_started timestamptz,
    ended timestamptz,
    last_updated timestamptz NOT NULL,
    stop_request jsonb,
    tags jsonb NOT NULL,
    submit_attempts integer NOT NULL DEFAULT 0,
    submit_unanswered integer NOT NULL DEFAULT 0,
    submit_first_at timestamptz,
    submit_last_at timestamptz,
    output jsonb,
    tasks jsonb,
    array_spec jsonb,
    exclusive_key text COLLATE "C",
    hidden boolean NOT NULL DEFAULT false,
    resubmitted_from text COLLATE "C",
    resubmitted_as text COLLATE "C",
    params json NOT NULL
  );
  -- One user's list, newest first, and its keyset pages: (created, id) < (cursor) is a range.
  CREATE INDEX jobs_owner_created ON jobs (owner, created DESC, id DESC);
  -- Every owner's list (an admin's owner=*).
  CREATE INDEX jobs_created ON jobs (created DESC, id DESC);
  -- Name filters: a pattern's literal prefix (nightly-12*) is a range of this index.
  CREATE INDEX jobs_owner_name ON jobs (owner, name);
  -- The monitor's jobs: only those whose remote job may still exist, a small part of the table.
  CREATE INDEX jobs_watch ON jobs (exec_system_id, created) WHERE NOT remote_done;
  -- A user's unfinished jobs, counted at every submit.
  CREATE INDEX jobs_owner_status ON jobs (owner, status);
  -- A singleton's key is unique per owner among unfinished jobs: the insert itself refuses a
  -- second holder, so concurrent submits (on any replica) cannot both pass a check made before.
  CREATE UNIQUE INDEX jobs_exclusive_key ON jobs (owner, exclusive_key)
    WHERE exclusive_key IS NOT NULL AND status IN ('PROCESSING_INPUTS', 'PENDING', 'RUNNING');

  -- History. id is the gateway-wide event id (the all-jobs event stream's SSE id): an identity
  -- never reused; events are written under one advisory lock so that ids also follow commit order.
  CREATE TABLE job_events (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    job_id text COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    seq integer NOT NULL,
    at timestamptz NOT NULL,
    event text NOT NULL,
    status text NOT NULL,
    actor text,
    description text NOT NULL,
    UNIQUE (job_id, seq)
  );

  CREATE TABLE idempotency_keys (
    owner text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    fingerprint text NOT NULL,
    status_code integer NOT NULL,
    body text NOT NULL,
    created timestamptz NOT NULL,
    PRIMARY KEY (owner, key)
  );
  CREATE INDEX idempotency_keys_created ON idempotency_keys (created);

  CREATE TABLE job_logs (
    job_id text COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    stream text NOT NULL,
    kind text NOT NULL,
    at timestamptz NOT NULL,
    start bigint NOT NULL,
    size bigint NOT NULL,
    content bytea NOT NULL,
    PRIMARY KEY (job_id, stream)
  );

  CREATE TABLE job_tasks (
    job_id text COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    idx integer NOT NULL,
    name text,
    status text NOT NULL,
    remote_state text,
    exit_code integer,
    started timestamptz,
    ended timestamptz,
    PRIMARY KEY (job_id, idx)
  );
  `,
  // Webhooks (docs/webhooks.md), as SQLite's migration 7: subscriptions, one delivery per
  // (subscription, event) with its attempts, and the deliverer's cursor (the gateway-wide event id,
  // job_events.id, it has read up to). `events` and `selector` are json (kept as given, never
  // queried inside); a delivery's `body` is text, signed as stored.
  `
  CREATE TABLE webhook_subscriptions (
    id text COLLATE "C" PRIMARY KEY,
    owner text COLLATE "C" NOT NULL,
    url text NOT NULL,
    events json NOT NULL,
    job_id text COLLATE "C",
    selector json,
    secret text NOT NULL,
    from_event_id bigint NOT NULL,
    created timestamptz NOT NULL
  );
  -- One owner's subscriptions, newest first, and their keyset pages.
  CREATE INDEX webhook_subscriptions_owner ON webhook_subscriptions (owner, created DESC, id DESC);
  CREATE TABLE webhook_deliveries (
    id text COLLATE "C" PRIMARY KEY,
    subscription_id text COLLATE "C" NOT NULL
      REFERENCES webhook_subscriptions (id) ON DELETE CASCADE,
    event_id bigint NOT NULL,
    job_id text COLLATE "C" NOT NULL,
    event text NOT NULL,
    body text NOT NULL,
    state text NOT NULL,
    attempts integer NOT NULL DEFAULT 0,
    created timestamptz NOT NULL,
    next_attempt_at timestamptz,
    finished timestamptz,
    error text,
    -- One delivery per event and subscription (a batch prepared twice writes nothing new); also
    -- a subscription's deliveries newest first, by event id.
    UNIQUE (subscription_id, event_id)
  );
  -- What a restart resumes, the soonest due first: only the pending ones.
  CREATE INDEX webhook_deliveries_pending ON webhook_deliveries (next_attempt_at, event_id)
    WHERE state = 'pending';
  -- The retention's prune: finished ones only.
  CREATE INDEX webhook_deliveries_finished ON webhook_deliveries (finished)
    WHERE finished IS NOT NULL;
  CREATE TABLE webhook_attempts (
    delivery_id text COLLATE "C" NOT NULL REFERENCES webhook_deliveries (id) ON DELETE CASCADE,
    attempt integer NOT NULL,
    at timestamptz NOT NULL,
    status_code integer,
    error text,
    duration_ms double precision NOT NULL,
    PRIMARY KEY (delivery_id, attempt)
  );
  CREATE TABLE webhook_cursor (
    id integer PRIMARY KEY CHECK (id = 1),
    event_id bigint NOT NULL
  );
  `,
  // The web page's sign-ins and sessions (issue 12), by the hash of their cookie's token, as
  // SQLite's migration 10.
  `
  CREATE TABLE web_logins (
    id_hash text COLLATE "C" PRIMARY KEY,
    sealed text NOT NULL,
    expires timestamptz NOT NULL
  );
  CREATE INDEX web_logins_expires ON web_logins (expires);
  CREATE TABLE web_sessions (
    id_hash text COLLATE "C" PRIMARY KEY,
    username text COLLATE "C" NOT NULL,
    sealed text NOT NULL,
    created timestamptz NOT NULL,
    last_seen timestamptz NOT NULL,
    expires timestamptz NOT NULL
  );
  CREATE INDEX web_sessions_user ON web_sessions (username, created DESC, id_hash);
  CREATE INDEX web_sessions_expires ON web_sessions (expires);
  `,
  // Replicas (issue 13, docs/replicas.md). A submit's Idempotency-Key with the job it created
  // (as SQLite's migration 11); each replica's heartbeat, which what it holds counts by; named
  // leases with a growing epoch (one poller per system, one webhook feeder); and what a replica
  // does now: a job's remote action (submit or signal), a request under an Idempotency-Key.
  `
  CREATE TABLE job_request_keys (
    owner text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    job_id text COLLATE "C" NOT NULL REFERENCES jobs (id) ON DELETE CASCADE,
    PRIMARY KEY (owner, key)
  );
  CREATE INDEX job_request_keys_job ON job_request_keys (job_id);
  CREATE TABLE replicas (
    id text COLLATE "C" PRIMARY KEY,
    started timestamptz NOT NULL,
    heartbeat timestamptz NOT NULL
  );
  CREATE TABLE leases (
    name text COLLATE "C" PRIMARY KEY,
    holder text COLLATE "C" NOT NULL,
    epoch bigint NOT NULL,
    expires_at timestamptz NOT NULL
  );
  CREATE TABLE job_claims (
    job_id text COLLATE "C" PRIMARY KEY,
    activity text NOT NULL,
    replica text COLLATE "C" NOT NULL,
    since timestamptz NOT NULL
  );
  CREATE INDEX job_claims_replica ON job_claims (replica);
  CREATE TABLE request_claims (
    owner text COLLATE "C" NOT NULL,
    key text COLLATE "C" NOT NULL,
    replica text COLLATE "C" NOT NULL,
    since timestamptz NOT NULL,
    PRIMARY KEY (owner, key)
  );
  `,
  // History at scale (issue 13, docs/postgres.md). On a big table this migration rewrites it
  // (the new column) and builds two indexes, for longer than a statement may take otherwise.
  // - params_bytes: the parameters' size, so that a list page bounds its bytes without
  //   detoasting a script (octet_length of json goes through its text).
  // - jobs_ended: retention's terminal jobs by end time.
  // - jobs_name_trgm: name patterns that start with `*` (any pattern, for every owner's jobs),
  //   which no btree serves. pg_trgm is a trusted extension: the database's owner, or a role
  //   with CREATE on it, may create it. It goes to `public`, not to this store's schema (dropping
  //   that would drop it for every schema); one an administrator made elsewhere is used where it
  //   is. Without it (no privilege, no contrib package) the index is left out with a warning:
  //   such patterns then read the owner's jobs in time order, as before. The extension is one
  //   per database: its first creation takes a database-wide lock, so that two schemas
  //   migrating at once never race for it (the loser would leave its index out).
  `
  SET LOCAL statement_timeout = 0;
  ALTER TABLE jobs ADD COLUMN params_bytes integer
    GENERATED ALWAYS AS (octet_length(params::text)) STORED;
  CREATE INDEX jobs_ended ON jobs (ended) WHERE status IN ('FINISHED', 'FAILED', 'CANCELLED');
  DO $$
  DECLARE
    trgm_schema name;
  BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm') THEN
      PERFORM pg_advisory_xact_lock(hashtext('hpcgate:pg_trgm'));
      CREATE EXTENSION IF NOT EXISTS pg_trgm SCHEMA public;
    END IF;
    SELECT extnamespace::regnamespace::name INTO trgm_schema
      FROM pg_extension WHERE extname = 'pg_trgm';
    EXECUTE format('CREATE INDEX jobs_name_trgm ON jobs USING gin (name %I.gin_trgm_ops)',
      trgm_schema);
  EXCEPTION WHEN OTHERS THEN
    RAISE WARNING 'no trigram index on job names (%): name patterns that start with * will read the owner''s jobs in time order', SQLERRM;
  END
  $$;
  `,
];
