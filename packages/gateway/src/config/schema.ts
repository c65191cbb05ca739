import { z } from 'zod';

const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** `~/a/b`, `$VAR/a/b`, `/a/b`: names safe in a shell word and in sbatch's `--output` (no `%`). */
const JOBS_ROOT = /^(~|\$[A-Za-z_][A-Za-z0-9_]*)?(\/[A-Za-z0-9._+-]+)+$/;
const FINGERPRINT = /^SHA256:[A-Za-z0-9+/]{43}$/;

/**
 * How the gateway knows it reached the real login node: pinned `SHA256:` fingerprints (as
 * `ssh-keygen -l -E sha256` prints them), or an OpenSSH known_hosts file. An unknown or changed
 * key refuses the connection. `"insecure-accept-any"` accepts any key and logs a warning on every
 * connection: for throwaway test clusters only.
 */
export const hostKeySchema = z.union([
  z.object({
    fingerprints: z
      .array(
        z.string().regex(FINGERPRINT, 'a SHA256 fingerprint: "SHA256:" and 43 base64 characters'),
      )
      .min(1),
  }),
  z.object({ knownHostsFile: z.string().min(1) }),
  z.literal('insecure-accept-any'),
]);
export type HostKeyPolicy = z.infer<typeof hostKeySchema>;

/**
 * Which Unix account a caller's jobs run as on one system, tried in this order; the first rule
 * that gives an account decides:
 * 1. `table`: the caller's name (the token's owner claim) → account, exactly;
 * 2. `patterns`: a regular expression over the caller's name, and the account with `$1`… (or
 *    `$<name>`) filled in from its groups;
 * 3. `claim`: the account named by this claim of the caller's token (e.g. `hpc_username`);
 * 4. `sameName`: the caller's name itself.
 * Rules 2–4 apply to people only: a client-credentials caller (a bot; its token's `sub` is its
 * `client_id`) must be named in `table`. An account in `deny` (root always) is never used. No
 * rule gives an account: 403 NO_CLUSTER_ACCOUNT; there is never a fallback to a shared account.
 */
export const accountMappingSchema = z
  .object({
    table: z
      .record(z.string().min(1), z.string().regex(POSIX_USER, 'a POSIX user name'))
      .default({}),
    patterns: z
      .array(
        z.object({
          match: z.string().min(1).refine(isRegExp, 'a valid regular expression'),
          account: z.string().min(1),
        }),
      )
      .max(100)
      .default([]),
    claim: z.string().min(1).optional(),
    sameName: z.boolean().default(true),
    deny: z.array(z.string().min(1)).default([]),
  })
  .prefault({});
export type AccountMapping = z.infer<typeof accountMappingSchema>;

function isRegExp(source: string): boolean {
  try {
    new RegExp(source);
    return true;
  } catch {
    return false;
  }
}

/** One Slurm cluster the gateway reaches over SSH. */
export const executionSystemSchema = z.object({
  id: z
    .string()
    .regex(/^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$/, 'letters, digits, ".", "_" and "-" only'),
  host: z.string().min(1),
  port: z.number().int().min(1).max(65535).default(22),
  hostKey: hostKeySchema,
  /**
   * The gateway's own account on the system: it reads the queue for every user's jobs (squeue,
   * scontrol, sacct) and never submits or signals a job.
   */
  user: z.string().regex(POSIX_USER, 'a POSIX user name'),
  privateKeyPath: z.string().min(1),
  /**
   * The users' keys: `<userKeysDir>/<account>` is the private key the gateway uses to act as that
   * Unix account (mode 0600; its public half is in the account's authorized_keys). An account
   * without a key here has no access through the gateway (403 NO_CLUSTER_ACCOUNT).
   */
  userKeysDir: z.string().min(1),
  accounts: accountMappingSchema,
  /** SSH connections open at once to this system, all accounts together (the service one too). */
  maxConnections: z.number().int().min(2).max(1_000).default(32),
  /**
   * A job Slurm stops listing as itself (purged without a record, or its id reused by another
   * job after the controller lost its state) for this long ends FAILED with REMOTE_JOB_LOST.
   */
  lostJobAfterMs: z
    .number()
    .int()
    .min(1_000)
    .default(5 * 60_000),
  /** A user's connection unused this long is closed. */
  idleConnectionMs: z.number().int().min(1_000).default(60_000),
  /** Partitions users may choose; empty means any (Slurm decides). */
  partitions: z.array(z.string().regex(/^[A-Za-z0-9_-]+$/)).default([]),
  /** Poll cadence: fast while something just changed, idle otherwise. */
  pollFastMs: z.number().int().min(50).default(500),
  pollIdleMs: z.number().int().min(100).default(5_000),
  /** Channels open at once on one SSH connection (sshd's MaxSessions caps it). */
  maxChannels: z.number().int().min(1).max(64).default(6),
  commandTimeoutMs: z.number().int().min(100).default(20_000),
  maxOutputBytes: z
    .number()
    .int()
    .min(1024)
    .default(8 * 1024 * 1024),
  connectTimeoutMs: z.number().int().min(100).default(10_000),
  /**
   * Where final records of jobs the controller already purged are read: `sacct` (slurmdbd
   * accounting, the usual) or `jobcomp` (`sacct --completion`, JobCompType=jobcomp/filetxt).
   */
  finishedJobSource: z.enum(['sacct', 'jobcomp']).default('sacct'),
  /**
   * Where each job's directory is made, as the job's own account: `~/…` (its home), `$NAME/…`
   * (a variable of its login environment, `$SCRATCH/hpcgate` say) or an absolute path. The job's
   * directory is `<jobsRoot>/<job id>`, mode 0700, and holds its `stdout` and `stderr`. Changing
   * it later hides the directories of jobs submitted before.
   */
  jobsRoot: z
    .string()
    .regex(
      JOBS_ROOT,
      '"~/dir", "$VAR/dir" or "/abs/dir": letters, digits and . _ + - in names, no "%" (sbatch expands it)',
    )
    .refine((r) => !r.split('/').includes('..'), 'no ".." segments')
    .default('~/hpcgate/jobs'),
});
export type ExecutionSystemConfig = z.infer<typeof executionSystemSchema>;

/** Signature algorithms a token may use: asymmetric only. HS* (shared secrets) and `none` never. */
export const ASYMMETRIC_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
] as const;

/**
 * How bearer tokens are verified. There is no setting that turns verification off.
 *
 * Where the signing keys come from — exactly one of:
 * - `discovery: true`: OIDC discovery. `${issuer}/.well-known/openid-configuration` is fetched
 *   (once, then kept; retried on the next request while it fails) and its `jwks_uri` is used;
 * - `jwksUrl`: that JWKS URL;
 * - `jwksFile`: a JWKS file read at start (no network).
 * Remote key sets are cached for `jwksCacheMaxAgeSec` and fetched again when a token names an
 * unknown `kid`, at most once per `jwksCooldownSec`. A key source that cannot be reached makes
 * requests fail with 503 AUTH_UNAVAILABLE, never 401.
 *
 * Tokens that are not JWTs are sent to the RFC 7662 introspection endpoint when `introspection` is
 * set (its `endpoint`, or the discovery document's `introspection_endpoint`); otherwise refused.
 *
 * Example (a Keycloak realm):
 * ```json
 * { "issuer": "https://kc.example.org/realms/hpc", "discovery": true, "audience": "hpcgate",
 *   "ownerClaim": "preferred_username", "adminClaim": "groups", "adminValue": "hpcgate-admins" }
 * ```
 */
export const authConfigSchema = z
  .object({
    issuer: z.string().min(1),
    audience: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
    /** Find the keys by OIDC discovery from `issuer`. */
    discovery: z.boolean().default(false),
    /** Keys that sign tokens: a JWKS file, or a JWKS URL fetched (and cached) by the gateway. */
    jwksFile: z.string().min(1).optional(),
    jwksUrl: z.url({ protocol: /^https?$/ }).optional(),
    /** How long a fetched JWKS is used before it is fetched again. */
    jwksCacheMaxAgeSec: z.number().int().min(0).max(86_400).default(600),
    /** At least this long between two fetches caused by tokens with an unknown `kid`. */
    jwksCooldownSec: z.number().int().min(0).max(3_600).default(30),
    /** Timeout of each request to the identity provider (discovery, JWKS, introspection). */
    httpTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
    /**
     * The claim that names the job owner, and the claim used when the token has none (`null`: no
     * fallback). A name with dots (`a.b`) is looked up as is first, then as a path into objects.
     * Beware: with a fallback, both claims share one namespace of owners.
     */
    ownerClaim: z.string().min(1).default('preferred_username'),
    ownerFallbackClaim: z.string().min(1).nullable().default('sub'),
    /**
     * Callers whose `adminClaim` is `adminValue` (a string claim) or contains it (an array claim)
     * are admins: they may read and stop every user's job. No `adminValue`: nobody is an admin.
     */
    adminClaim: z.string().min(1).default('groups'),
    adminValue: z.string().min(1).optional(),
    algorithms: z
      .array(
        z.enum(ASYMMETRIC_ALGORITHMS, {
          error: () =>
            `only asymmetric algorithms (${ASYMMETRIC_ALGORITHMS.join(', ')}); HS* and none are never accepted`,
        }),
      )
      .min(1)
      .default(['RS256', 'PS256', 'ES256', 'EdDSA']),
    /** Clock skew allowed on `exp`, `nbf` and `iat`. */
    clockToleranceSec: z.number().int().min(0).max(300).default(30),
    /** A token that expires sooner than this (by our clock, no skew) is refused. */
    minRemainingSec: z.number().int().min(0).max(3_600).default(10),
    /** RFC 7662 token introspection for opaque (non-JWT) tokens, with the gateway's client. */
    introspection: z
      .object({
        endpoint: z.url({ protocol: /^https?$/ }).optional(),
        clientId: z.string().min(1),
        clientSecret: z.string().min(1),
        /**
         * An active answer is reused for this long, or until the token's `exp` if sooner (a
         * revoked token keeps working up to this long); 0: ask every time. Keyed by a SHA-256 of
         * the token, never the token.
         */
        cacheMaxAgeSec: z.number().int().min(0).max(3_600).default(60),
        /** An inactive (unknown, revoked, expired) answer is reused for this long. */
        cacheNegativeSec: z.number().int().min(0).max(300).default(5),
        /** Answers kept at most; the least recently used goes first. */
        cacheMaxEntries: z.number().int().min(1).max(1_000_000).default(10_000),
        /**
         * Before the caller is known: a token bucket per client address (Fastify's `request.ip`:
         * the proxy's address behind a reverse proxy) pays for every token the gateway must send
         * to the endpoint (not cached, not already being asked about); empty, 429 RATE_LIMITED
         * without asking. A flood of made-up tokens never becomes a flood at the identity provider.
         */
        clientLimit: z
          .object({
            requestsPerMinute: z.number().int().min(1).max(1_000_000).default(120),
            burst: z.number().int().min(1).max(100_000).default(30),
          })
          .prefault({}),
      })
      .optional(),
  })
  .refine(
    (a) =>
      [a.discovery, a.jwksFile !== undefined, a.jwksUrl !== undefined].filter(Boolean).length === 1,
    {
      message: 'give exactly one of jwksFile or jwksUrl or discovery: true',
      path: ['jwksFile'],
    },
  )
  .refine(
    (a) =>
      !(a.discovery || (a.introspection && !a.introspection.endpoint)) ||
      /^https?:\/\/[^/]/.test(a.issuer),
    {
      message:
        'OIDC discovery (discovery: true, or introspection without endpoint) needs an http(s) issuer',
      path: ['issuer'],
    },
  );
export type AuthConfig = z.infer<typeof authConfigSchema>;

/** The longest a request may keep its socket silent by design: a cancel's `wait` (300 s). */
const LONGEST_WAIT_MS = 300_000;

/**
 * The HTTP server's bounds (Node's `http.Server` and Fastify's options). Every one is finite: a
 * slow or idle client cannot hold a connection, a request or memory for ever.
 */
export const httpConfigSchema = z
  .object({
    /** The whole request (headers and body) must arrive within this (Node's `requestTimeout`). */
    requestTimeoutMs: z.number().int().min(1_000).max(600_000).default(30_000),
    /** The headers must arrive within this (Node's `headersTimeout`; slowloris). */
    headersTimeoutMs: z.number().int().min(1_000).max(600_000).default(10_000),
    /** An idle kept-alive connection is closed after this (longer than a proxy's usual 60 s). */
    keepAliveTimeoutMs: z.number().int().min(1_000).max(600_000).default(72_000),
    /**
     * A socket with no traffic either way for this long is closed (Fastify's
     * `connectionTimeout`). It must outlast a cancel's `wait` (up to 300 s of silence).
     */
    socketTimeoutMs: z
      .number()
      .int()
      .max(3_600_000)
      .default(330_000)
      .refine((v) => v > LONGEST_WAIT_MS, {
        message: `must be more than ${LONGEST_WAIT_MS} ms (a cancel may wait 300 s)`,
      }),
    /** Connections open at once; more are refused (closed) by Node. */
    maxConnections: z.number().int().min(1).max(1_000_000).default(1_024),
    /** Request line and headers together (Node's `maxHeaderSize`): big tokens fit. Over: 431. */
    maxHeaderBytes: z
      .number()
      .int()
      .min(16 * 1024)
      .max(1024 * 1024)
      .default(64 * 1024),
    /** The request target (path and query). Over: 414 URI_TOO_LONG. */
    maxUrlBytes: z
      .number()
      .int()
      .min(256)
      .max(64 * 1024)
      .default(8 * 1024),
    /** A request body (Fastify's `bodyLimit`): a 1 MiB script with JSON escaping fits. Over: 413. */
    bodyLimitBytes: z
      .number()
      .int()
      .min(64 * 1024)
      .max(64 * 1024 * 1024)
      .default(4 * 1024 * 1024),
    /**
     * A retry with an Idempotency-Key whose first request is still running waits this long for
     * it, then gets 409 IDEMPOTENCY_KEY_IN_USE with Retry-After.
     */
    idempotentRetryWaitMs: z.number().int().min(0).max(120_000).default(10_000),
  })
  .prefault({})
  .refine((h) => h.headersTimeoutMs <= h.requestTimeoutMs, {
    message: 'headersTimeoutMs must not exceed requestTimeoutMs',
    path: ['headersTimeoutMs'],
  })
  .refine((h) => h.maxUrlBytes < h.maxHeaderBytes, {
    message: 'maxUrlBytes must be less than maxHeaderBytes (the URL is part of the headers)',
    path: ['maxUrlBytes'],
  });
export type HttpConfig = z.infer<typeof httpConfigSchema>;

/**
 * Webhooks (`/v3/jobs/subscriptions`, docs/webhooks.md): how deliveries are sent and retried,
 * and how many of everything a user may have.
 */
export const webhooksConfigSchema = z
  .object({
    /**
     * Deliver to loopback, private, link-local, CGNAT, unique-local and other non-public
     * addresses. Off, such URLs are refused at creation and every resolved address is checked
     * again before each attempt (SSRF, DNS rebinding). For tests and closed networks only.
     */
    allowPrivateAddresses: z.boolean().default(false),
    /** One attempt (resolving, connecting, the answer's headers) must end within this. */
    attemptTimeoutMs: z.number().int().min(100).max(60_000).default(10_000),
    /** A delivery is retried for this long after its event (then it is `failed`); 0: never. */
    retryForMs: z
      .number()
      .int()
      .min(0)
      .max(7 * 24 * 3_600_000)
      .default(10 * 60_000),
    /** The first retry's delay; each next one doubles, up to `retryMaxDelayMs`. */
    retryBaseMs: z.number().int().min(10).max(60_000).default(1_000),
    retryMaxDelayMs: z.number().int().min(10).max(3_600_000).default(60_000),
    /** Subscriptions one user may have; one more is 409 TOO_MANY_SUBSCRIPTIONS. */
    maxSubscriptionsPerUser: z.number().int().min(1).max(10_000).default(100),
    /** Attempts in flight at once, all subscriptions together. */
    maxConcurrentDeliveries: z.number().int().min(1).max(1_000).default(16),
    /**
     * Deliveries held in memory (due or waiting for a retry). Full, no new events are read
     * until some finish: the events wait in the store, none is lost.
     */
    maxQueuedDeliveries: z.number().int().min(1).max(1_000_000).default(10_000),
    /**
     * Deliveries one subscription may have pending; past it, new ones fail at once (a receiver
     * that is down cannot take the whole queue).
     */
    maxPendingPerSubscription: z.number().int().min(1).max(100_000).default(1_000),
    /** Finished deliveries (and their attempts) are forgotten after this. */
    keepDeliveriesMs: z
      .number()
      .int()
      .min(60_000)
      .default(7 * 24 * 3_600_000),
  })
  .prefault({});
export type WebhooksConfig = z.infer<typeof webhooksConfigSchema>;

/**
 * The web page (`/`): sign-in through the OIDC issuer's authorization code flow with PKCE, the
 * gateway keeping the tokens (docs/web.md). Absent: no page, and only bearer tokens.
 */
export const webConfigSchema = z.object({
  /** The provider's client for the page: a public client allowed `<publicUrl>/auth/callback`. */
  clientId: z.string().min(1),
  /**
   * The gateway's address as browsers reach it (`https://hpc.example.org`); the callback and the
   * allowed `Origin` derive from it. Absent: from each request's Host (for loopback development;
   * set it anywhere else).
   */
  publicUrl: z.url({ protocol: /^https?$/ }).optional(),
  /** Scopes asked for at sign-in. */
  scopes: z
    .array(z.string().regex(/^[\x21\x23-\x5b\x5d-\x7e]+$/))
    .min(1)
    .default(['openid', 'profile']),
  /** More authorization request parameters, for providers that want them (`audience`, `resource`). */
  authorizationParams: z
    .record(z.string().regex(/^[a-z_]{1,64}$/), z.string().max(1024))
    .refine(
      (p) => !Object.keys(p).some((k) => RESERVED_AUTHORIZATION_PARAMS.has(k)),
      'the gateway sets client_id, redirect_uri, response_type, scope, state, nonce and the PKCE challenge itself',
    )
    .default({}),
  /** A session ends this long after sign-in, used or not. */
  sessionMaxAgeSec: z
    .number()
    .int()
    .min(300)
    .max(30 * 86_400)
    .default(12 * 3_600),
  /** … or this long after its last use (its use is written at most once a minute). */
  sessionIdleSec: z
    .number()
    .int()
    .min(300)
    .max(7 * 86_400)
    .default(2 * 3_600),
  /** Sessions one user may hold (browsers); signing in once more ends the oldest. */
  maxSessionsPerUser: z.number().int().min(1).max(1_000).default(20),
  /** Sign-ins under way at once (anyone may start one); more answer 429 TOO_MANY_SIGN_INS. */
  maxPendingLogins: z.number().int().min(10).max(1_000_000).default(10_000),
  /**
   * Sign-ins one client address may start, a token bucket (429 RATE_LIMITED past it): no single
   * address can fill `maxPendingLogins` and lock everyone else out.
   */
  loginLimit: z
    .object({
      requestsPerMinute: z.number().int().min(1).max(100_000).default(20),
      burst: z.number().int().min(1).max(10_000).default(10),
    })
    .prefault({}),
  /** The built page; default the `@hpcgate/web` package's. */
  assetsDir: z.string().min(1).optional(),
});
export type WebConfig = z.infer<typeof webConfigSchema>;

const LOOPBACK_HOSTS = new Set(['127.0.0.1', '::1', 'localhost']);

const RESERVED_AUTHORIZATION_PARAMS = new Set([
  'client_id',
  'redirect_uri',
  'response_type',
  'scope',
  'state',
  'nonce',
  'code_challenge',
  'code_challenge_method',
]);

export const gatewayConfigSchema = z
  .object({
    listen: z
      .object({
        host: z.string().default('127.0.0.1'),
        port: z.number().int().min(0).max(65535).default(8080),
      })
      .prefault({}),
    logLevel: z
      .enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'])
      .default('info'),
    /** Where the log goes (JSON lines, appended); standard output when absent. */
    logFile: z.string().min(1).optional(),
    auth: authConfigSchema,
    /**
     * Per-user limit on `/v3/jobs/*` requests: a token bucket per caller holding `burst` requests,
     * refilled at `requestsPerMinute`. Absent: no limit (`"rateLimit": {}` sets 600/min, burst 60).
     */
    rateLimit: z
      .object({
        requestsPerMinute: z.number().int().min(1).max(1_000_000).default(600),
        burst: z.number().int().min(1).max(100_000).default(60),
      })
      .optional(),
    store: z
      .object({
        /** The SQLite database file (created with its directory); `:memory:` for a throwaway one. */
        sqlitePath: z.string().min(1).default('.hpcgate/gateway.db'),
        /** PostgreSQL instead of SQLite (docs/postgres.md): for several gateways on one database. */
        postgres: z
          .object({
            /** `postgres://user:password@host:port/database` (the password never reaches a log). */
            url: z.string().regex(/^postgres(ql)?:\/\//, 'a postgres:// URL'),
            /** The tables' schema (created when missing). */
            schema: z
              .string()
              .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'a-z, 0-9 and _')
              .default('public'),
            /** Connections the gateway holds at most. */
            maxConnections: z.number().int().min(1).max(1_000).default(10),
            /** A statement running longer is cancelled. */
            statementTimeoutMs: z.number().int().min(100).max(600_000).default(10_000),
          })
          .optional(),
        /**
         * Jobs that ended (FINISHED, FAILED, CANCELLED) more than this many days ago are deleted
         * with their history, tasks and saved logs, hourly (docs/postgres.md). Absent: kept for
         * ever.
         */
        retentionDays: z.number().int().min(1).max(36_500).optional(),
      })
      .prefault({}),
    systems: z.array(executionSystemSchema).min(1, 'at least one execution system'),
    http: httpConfigSchema,
    webhooks: webhooksConfigSchema,
    limits: z
      .object({
        /** Unfinished jobs one user may have at once; the next submit gets 429 TOO_MANY_ACTIVE_JOBS. */
        maxActiveJobsPerUser: z.number().int().min(1).max(100_000).default(1_000),
      })
      .prefault({}),
    /** Reading jobs' files, following their logs, and keeping copies of the logs. */
    outputs: z
      .object({
        /** The most one download may send (a `Range` within it is fine); more is 413. */
        maxDownloadBytes: z
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024 * 1024),
        /**
         * Keep copies of jobs' logs (when they end, and periodically while they run). Off, logs
         * are read from the cluster only, and job histories say nothing of them.
         */
        collect: z.boolean().default(true),
        /** Bytes of each log (its end) saved when a job ends. */
        collectBytes: z
          .number()
          .int()
          .min(1024)
          .max(256 * 1024 * 1024)
          .default(4 * 1024 * 1024),
        /** How often running jobs' logs are saved (their last `periodicBytes`); 0: never. */
        periodicMs: z.number().int().min(0).default(60_000),
        periodicBytes: z
          .number()
          .int()
          .min(1024)
          .max(64 * 1024 * 1024)
          .default(256 * 1024),
        /** The most a log stream sends of what was written before it started; the rest is `skipped`. */
        maxCatchUpBytes: z
          .number()
          .int()
          .min(1024)
          .default(8 * 1024 * 1024),
        /** Log streams one user may have open at once; one more is 429 TOO_MANY_STREAMS. */
        maxLogStreamsPerUser: z.number().int().min(1).max(1_000).default(10),
      })
      .prefault({}),
    web: webConfigSchema.optional(),
    /**
     * Prometheus metrics at `GET /metrics` (docs/metrics.md), unauthenticated as scrapers expect:
     * no label names a user or a job, but traffic and activity show. Off unless turned on; then
     * keep the endpoint off the public network.
     */
    metrics: z.object({ enabled: z.boolean().default(false) }).prefault({}),
    /**
     * Several gateways on one PostgreSQL store (docs/replicas.md); with SQLite the gateway is one
     * process and this only names it.
     */
    replicas: z
      .object({
        /** This replica's name in leases, claims and /readyz (default: host, pid and a random tag). */
        id: z
          .string()
          .regex(/^[A-Za-z0-9_.:-]{1,64}$/, '1–64 of A-Z a-z 0-9 _ . : -')
          .optional(),
        /**
         * A lease (polling a system, feeding webhooks) not renewed for this long passes to another
         * replica: a replica that dies is replaced within about this time plus a fifth of it.
         */
        leaseTtlMs: z.number().int().min(1_000).max(60_000).default(5_000),
      })
      .prefault({}),
  })
  .superRefine((cfg, ctx) => {
    if (cfg.web && !cfg.auth.discovery) {
      ctx.addIssue({
        code: 'custom',
        path: ['web'],
        message: 'the web page signs people in through OIDC discovery: set auth.discovery to true',
      });
    }
    // Without it, the callback and the CSRF origin come from each request's Host header, which
    // only a loopback listener can take as it is (no proxy in front to rewrite it).
    if (cfg.web && !cfg.web.publicUrl && !LOOPBACK_HOSTS.has(cfg.listen.host)) {
      ctx.addIssue({
        code: 'custom',
        path: ['web', 'publicUrl'],
        message: `set the gateway's address as browsers reach it (https://…): it listens on ${cfg.listen.host}, not on loopback`,
      });
    }
    const seen = new Set<string>();
    cfg.systems.forEach((s, i) => {
      if (seen.has(s.id)) {
        ctx.addIssue({
          code: 'custom',
          path: ['systems', i, 'id'],
          message: `duplicate id "${s.id}"`,
        });
      }
      seen.add(s.id);
    });
  });

export type GatewayConfig = z.infer<typeof gatewayConfigSchema>;
export type GatewayConfigInput = z.input<typeof gatewayConfigSchema>;
