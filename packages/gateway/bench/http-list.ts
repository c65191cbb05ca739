import { randomUUID } from 'node:crypto';
import { sampleJob } from '@hpcgate/contract/testing';
import { buildApp } from '../src/app.js';
import type { JobRecord, NewJobEvent } from '../src/store/job-store.js';
import type { SqliteJobStore } from '../src/store/sqlite/sqlite-job-store.js';
import { sandboxSystem, testConfig } from '../test/helpers/sandbox-config.js';
import {
  bareFastify,
  CONNECTIONS,
  DURATION_S,
  line,
  measureAll,
  REPEATS,
  ratio,
  rs256Issuer,
  summarize,
} from './http-load.js';

// GET /v3/jobs/list?limit=100 under load: bob's first page, with 100 jobs in the store (all
// his), then with 100,000 (5 owners, 20,000 of them his), put straight into the gateway's SQLite
// store (its `create`, many to a transaction, as store-list.ts fills it), never through Slurm:
// their system is one the gateway does not poll. A real RS256 bearer token, the gateway on
// 127.0.0.1, autocannon in a process of its own (50 connections, 10 s, 3 rounds after a
// warm-up). Baseline in the same run: a bare Fastify route answering the very body the gateway
// answered. Goals (issue 14): ≥5× the ~300 req/s of before, p99 < 50 ms, at 100,000 too.
// On the commit before the HTTP work (ecfbf3d), in one run on this 2-CPU machine (shared with
// other work): 87 req/s (86–113), p99 795 ms with 100 jobs; 104 req/s (91–115), p99 4,955 ms and
// 5 requests unanswered after 10 s with 100,000; ×0.10 and ×0.11 of bare Fastify (916, 931)
// (HTTP_BENCH_* env: connections, seconds, repeats, warm-up seconds).
const TODAY = { rps: 100 };
const OWNERS = ['alice', 'bob', 'carol', 'dave', 'erin'];
const CALLER = 'bob';
const T0 = Date.parse('2026-01-01T00:00:00.000Z');
const BATCH = 5000;
const event: NewJobEvent = { event: 'JOB_CREATED', actor: null, description: 'created' };

/** The i-th job: 1 in 7 running, a third tagged, as store-list.ts makes them. */
const job = (i: number, owners: string[]): JobRecord => {
  const created = new Date(T0 + i * 1000).toISOString();
  const running = i % 7 === 0;
  return {
    ...sampleJob({
      id: randomUUID(),
      owner: owners[i % owners.length]!,
      execSystemId: 'bench-archive',
      name: `prefix-${i}`,
      status: running ? 'RUNNING' : 'FINISHED',
      condition: running ? null : 'NORMAL_COMPLETION',
      exitCode: running ? null : 0,
      ended: running ? null : created,
      created,
      lastUpdated: created,
      tags: i % 3 === 0 ? ['sweep'] : [],
    }),
    remoteDone: !running,
  };
};

async function scenario(jobs: number, owners: string[]) {
  const issuer = await rs256Issuer();
  const app = await buildApp(testConfig([sandboxSystem()], issuer.jwksFile));
  const closers: (() => Promise<unknown>)[] = [];
  try {
    const authorization = `Bearer ${await issuer.token(CALLER)}`;
    const store = app.store as SqliteJobStore;
    const t = performance.now();
    for (let i = 0; i < jobs; i += BATCH) {
      const pending: Promise<void>[] = [];
      store.database.transaction(() => {
        for (let k = i; k < Math.min(jobs, i + BATCH); k++) {
          pending.push(store.create(job(k, owners), event));
        }
      })();
      await Promise.all(pending);
    }
    store.database.exec('ANALYZE');
    const fillS = (performance.now() - t) / 1000;
    const path = '/v3/jobs/list?limit=100';
    const res = await app.inject({ method: 'GET', url: path, headers: { authorization } });
    if (res.statusCode !== 200) throw new Error(`${path}: ${res.statusCode} ${res.body}`);
    const page = res.json() as { jobs: unknown[] };
    await app.listen({ host: '127.0.0.1', port: 0 });
    const { port } = app.server.address() as { port: number };
    const bare = await bareFastify('/v3/jobs/list', res.body);
    closers.push(bare.close);
    console.error(
      `http-list: ${jobs} jobs in the store (filled in ${fillS.toFixed(1)} s), a page of ${page.jobs.length}, ${res.body.length} bytes`,
    );
    const runs = await measureAll([
      { label: 'gateway', url: `http://127.0.0.1:${port}${path}`, headers: { authorization } },
      { label: 'bare Fastify', url: `${bare.base}${path}` },
    ]);
    return {
      gw: summarize(runs.get('gateway')!),
      bf: summarize(runs.get('bare Fastify')!),
      bytes: res.body.length,
    };
  } finally {
    for (const close of closers.reverse()) await close().catch(() => {});
    await app.close();
    issuer.close();
  }
}

const small = await scenario(100, [CALLER]);
const large = await scenario(100_000, OWNERS);
console.log(
  `\nGET /v3/jobs/list?limit=100, RS256 bearer token: ${CONNECTIONS} connections × ${DURATION_S} s, median (min–max) of ${REPEATS}`,
);
for (const [label, r] of [
  ['100 jobs in the store', small],
  ['100,000 jobs in the store', large],
] as const) {
  console.log(`${label} (a page of ${r.bytes} bytes)`);
  console.log(line('  gateway', r.gw));
  console.log(line('  bare Fastify, same body', r.bf));
  console.log(ratio('bare Fastify', r.gw, r.bf, 'none set; for scale'));
  console.log(
    `    p99 ${r.gw.p99.median.toFixed(1)} ms (goal < 50 ms); before the HTTP work (ecfbf3d): ~${TODAY.rps} req/s → ×${(r.gw.rps.median / TODAY.rps).toFixed(2)} (goal ≥ ×5)`,
  );
}
