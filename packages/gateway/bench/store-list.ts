import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ListJobsFilter } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import pg from 'pg';
import type { JobRecord, JobStore, NewJobEvent } from '../src/store/job-store.js';
import { PgJobStore } from '../src/store/postgres/pg-job-store.js';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store.js';

// One user's first list page (limit 100), a name-wildcard filter (name=prefix-12*) and a pattern
// with a leading `*` (a rare suffix), on 100,000 jobs of 5 owners, SQLite vs PostgreSQL in the
// same run: p50 and p99 of each, and their ratio.
// STORE_BENCH_JOBS=1000000 STORE_BENCH_STORES=postgres: the 1,000,000-job figures on PostgreSQL
// alone (filling SQLite with a million jobs through its `create` takes minutes more).
// PostgreSQL: HPCGATE_PG_URL (bash scripts/postgres.sh up; . <(bash scripts/postgres.sh env)),
// in a schema of its own, dropped at the end.
const JOBS = Number(process.env.STORE_BENCH_JOBS ?? 100_000);
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 500);
const STORES = (process.env.STORE_BENCH_STORES ?? 'sqlite,postgres').split(',');
const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const BATCH = 5000;
const url = process.env.HPCGATE_PG_URL;
if (STORES.includes('postgres') && !url) {
  throw new Error('HPCGATE_PG_URL is not set: bash scripts/postgres.sh up, then source its env');
}

const event: NewJobEvent = { event: 'JOB_CREATED', actor: null, description: 'created' };
/** The i-th job: made a batch at a time, so that a million of them never sit in memory at once. */
const job = (i: number): JobRecord => {
  const created = new Date(T0 + i * 1000).toISOString();
  return {
    ...sampleJob({
      id: randomUUID(),
      owner: OWNERS[i % OWNERS.length]!,
      name: `prefix-${i}`,
      status: i % 7 === 0 ? 'RUNNING' : 'FINISHED',
      created,
      lastUpdated: created,
      tags: i % 3 === 0 ? ['sweep'] : [],
    }),
    remoteDone: i % 7 !== 0,
  };
};
const batches = function* () {
  for (let i = 0; i < JOBS; i += BATCH) {
    yield Array.from({ length: Math.min(BATCH, JOBS - i) }, (_, k) => job(i + k));
  }
};

const owner = OWNERS[1]!;
/** A suffix only one of the owner's jobs has, in the middle of the table's time. */
const rareSuffix = `*-${Math.floor(JOBS / 2 / OWNERS.length) * OWNERS.length + 1}`;
const QUERIES: [label: string, filter: ListJobsFilter][] = [
  ["one user's first page (limit 100)", { limit: 100 }],
  ['name=prefix-12* (limit 100)', { limit: 100, name: 'prefix-12*' }],
  [`name=${rareSuffix} (limit 100)`, { limit: 100, name: rareSuffix }],
];

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

interface Series {
  p50: number;
  p99: number;
  n: number;
}
interface Figures {
  fillMs: number;
  series: Series[];
}

async function measure(store: JobStore, fill: () => Promise<void>): Promise<Figures> {
  let t = performance.now();
  await fill();
  const fillMs = performance.now() - t;
  const series: Series[] = [];
  for (const [, filter] of QUERIES) {
    let n = 0;
    for (let i = 0; i < 20; i++) n = (await store.list(owner, filter)).jobs.length; // warm-up
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await store.list(owner, filter);
      samples.push(performance.now() - t);
    }
    series.push({ p50: percentile(samples, 50), p99: percentile(samples, 99), n });
  }
  return { fillMs, series };
}

const figures = new Map<string, Figures>();

// SQLite: the store's own create, many to a transaction (create runs synchronously inside it).
if (STORES.includes('sqlite')) {
  const dir = mkdtempSync(join(tmpdir(), 'hpcgate-bench-'));
  const sqlite = new SqliteJobStore(join(dir, 'gateway.db'));
  try {
    figures.set(
      'SQLite',
      await measure(sqlite, async () => {
        const db = sqlite.database;
        for (const batch of batches()) {
          const pending: Promise<void>[] = [];
          db.transaction(() => {
            for (const j of batch) pending.push(sqlite.create(j, event));
          })();
          await Promise.all(pending);
        }
        db.exec('ANALYZE');
      }),
    );
  } finally {
    await sqlite.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

// PostgreSQL: multi-row inserts (createBatch), 5,000 jobs to a transaction.
if (STORES.includes('postgres')) {
  const schema = `hpcgate_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    const store = await PgJobStore.open({ connectionString: url!, schema });
    try {
      figures.set(
        'PostgreSQL',
        await measure(store, async () => {
          for (const batch of batches()) await store.createBatch(batch, event);
          // As autovacuum would soon: statistics, and the visibility map.
          await admin.query(`VACUUM ANALYZE ${schema}.jobs`);
          await admin.query(`VACUUM ANALYZE ${schema}.job_events`);
        }),
      );
    } finally {
      await store.close();
    }
  } finally {
    // The name is made above from the pid and hex digits only.
    await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await admin.end();
  }
}

const ms = (x: number) => `${x.toFixed(2).padStart(7)} ms`;
const fills = [...figures].map(([name, f]) => `${name} ${(f.fillMs / 1000).toFixed(1)} s`);
console.log(
  `store-list: ${JOBS} jobs of ${OWNERS.length} owners, ${RUNS} runs each; fill ${fills.join(', ')}`,
);
const sqlite = figures.get('SQLite');
const postgres = figures.get('PostgreSQL');
QUERIES.forEach(([label], q) => {
  const parts = [...figures].map(
    ([name, f]) => `${name} p50 ${ms(f.series[q]!.p50)} p99 ${ms(f.series[q]!.p99)}`,
  );
  if (sqlite && postgres) {
    const s = sqlite.series[q]!;
    const p = postgres.series[q]!;
    parts.push(`PG/SQLite p50 ×${(p.p50 / s.p50).toFixed(2)} p99 ×${(p.p99 / s.p99).toFixed(2)}`);
  }
  const n = [...figures.values()].map((f) => f.series[q]!.n).join('/');
  console.log(`${label.padEnd(34)} ${parts.join(' | ')}  (${n} jobs)`);
});
