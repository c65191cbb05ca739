import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleJob } from '@hpcgate/contract/testing';
import pg from 'pg';
import type { JobRecord, JobStore, NewJobEvent } from '../src/store/job-store.js';
import { PgJobStore } from '../src/store/postgres/pg-job-store.js';
import { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store.js';

// One user's first list page (limit 100) and a name-wildcard filter (name=prefix-12*), on 100,000
// jobs of 5 owners, SQLite vs PostgreSQL in the same run: p50 and p99 of each, and their ratio.
// PostgreSQL: HPCGATE_PG_URL (bash scripts/postgres.sh up; . <(bash scripts/postgres.sh env)),
// in a schema of its own, dropped at the end.
const JOBS = Number(process.env.STORE_BENCH_JOBS ?? 100_000);
const RUNS = Number(process.env.STORE_BENCH_RUNS ?? 500);
const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const url = process.env.HPCGATE_PG_URL;
if (!url) {
  throw new Error('HPCGATE_PG_URL is not set: bash scripts/postgres.sh up, then source its env');
}

const event: NewJobEvent = { event: 'JOB_CREATED', actor: null, description: 'created' };
const jobs: JobRecord[] = Array.from({ length: JOBS }, (_, i) => {
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
});

const percentile = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)]!;
};

interface Figures {
  fillMs: number;
  page: { p50: number; p99: number; n: number };
  name: { p50: number; p99: number; n: number };
}

async function measure(store: JobStore, fill: () => Promise<void>): Promise<Figures> {
  let t = performance.now();
  await fill();
  const fillMs = performance.now() - t;
  const series = async (f: () => Promise<{ jobs: JobRecord[] }>) => {
    let n = 0;
    for (let i = 0; i < 20; i++) n = (await f()).jobs.length; // warm-up
    const samples: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      t = performance.now();
      await f();
      samples.push(performance.now() - t);
    }
    return { p50: percentile(samples, 50), p99: percentile(samples, 99), n };
  };
  const owner = OWNERS[1]!;
  const page = await series(() => store.list(owner, { limit: 100 }));
  const name = await series(() => store.list(owner, { limit: 100, name: 'prefix-12*' }));
  return { fillMs, page, name };
}

// SQLite: the store's own create, many to a transaction (create runs synchronously inside it).
const dir = mkdtempSync(join(tmpdir(), 'hpcgate-bench-'));
const sqlite = new SqliteJobStore(join(dir, 'gateway.db'));
const sqliteFigures = await measure(sqlite, async () => {
  const db = sqlite.database;
  for (let i = 0; i < jobs.length; i += 5000) {
    const pending: Promise<void>[] = [];
    db.transaction(() => {
      for (const job of jobs.slice(i, i + 5000)) pending.push(sqlite.create(job, event));
    })();
    await Promise.all(pending);
  }
  db.exec('ANALYZE');
});
await sqlite.close();
rmSync(dir, { recursive: true, force: true });

// PostgreSQL: multi-row inserts (createBatch), 5,000 jobs to a transaction.
const schema = `hpcgate_bench_${process.pid}_${randomBytes(3).toString('hex')}`;
const admin = new pg.Client({ connectionString: url });
await admin.connect();
let pgFigures: Figures;
try {
  const store = await PgJobStore.open({ connectionString: url, schema });
  try {
    pgFigures = await measure(store, async () => {
      for (let i = 0; i < jobs.length; i += 5000) {
        await store.createBatch(jobs.slice(i, i + 5000), event);
      }
      await admin.query(`ANALYZE ${schema}.jobs`);
      await admin.query(`ANALYZE ${schema}.job_events`);
    });
  } finally {
    await store.close();
  }
} finally {
  // The name is made above from the pid and hex digits only.
  await admin.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await admin.end();
}

const ms = (x: number) => `${x.toFixed(2).padStart(7)} ms`;
const line = (label: string, s: Figures['page'], p: Figures['page']) =>
  `${label.padEnd(34)} SQLite p50 ${ms(s.p50)} p99 ${ms(s.p99)} | PostgreSQL p50 ${ms(p.p50)} p99 ${ms(p.p99)} | PG/SQLite p50 ×${(p.p50 / s.p50).toFixed(2)} p99 ×${(p.p99 / s.p99).toFixed(2)}  (${s.n}/${p.n} jobs)`;
console.log(
  `store-list: ${JOBS} jobs of ${OWNERS.length} owners, ${RUNS} runs each; fill SQLite ${(sqliteFigures.fillMs / 1000).toFixed(1)} s, PostgreSQL ${(pgFigures.fillMs / 1000).toFixed(1)} s`,
);
console.log(line("one user's first page (limit 100)", sqliteFigures.page, pgFigures.page));
console.log(line('name=prefix-12* (limit 100)', sqliteFigures.name, pgFigures.name));
