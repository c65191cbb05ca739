import { randomUUID } from 'node:crypto';
import { sampleJob } from '@hpcgate/contract/testing';
import type { FastifyBaseLogger } from 'fastify';
import { parseConfig } from '../../src/config/load.js';
import { InProcessJobLocks } from '../../src/coordination/job-locks.js';
import { JobEvents } from '../../src/jobs/job-events.js';
import { JobWriter } from '../../src/jobs/job-writer.js';
import type { PollTrigger } from '../../src/jobs/poll-trigger.js';
import { Reconciler } from '../../src/jobs/reconciler.js';
import { Stopper } from '../../src/jobs/stopper.js';
import { Submitter } from '../../src/jobs/submitter.js';
import type { JobRecord } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { FakeScheduler } from './fake-scheduler.js';

/** A logger that says nothing (the fast tests read state, not logs). */
export const silentLog = new Proxy({} as FastifyBaseLogger, {
  get: (_t, key) => (key === 'child' ? () => silentLog : () => {}),
});

/**
 * The job core above the scheduler — real store (in memory), writer, locks, stopper, submitter
 * and reconciler — over a FAKE scheduler: for fast tests that need no cluster.
 */
export function fakeCore(
  options: {
    lostAfterMs?: number;
    settleMs?: number;
    path?: string;
    scheduler?: FakeScheduler;
  } = {},
) {
  const config = fakeSystemConfig();
  const scheduler = options.scheduler ?? new FakeScheduler('fake');
  const systems = new Map([['fake', { config, scheduler }]]);
  const store = new SqliteJobStore(options.path ?? ':memory:');
  const events = new JobEvents();
  const writer = new JobWriter(store, events);
  const locks = new InProcessJobLocks();
  // The monitor's part: a refresh runs one poll and its reconciliation at once.
  const polls: PollTrigger = {
    trigger: () => {},
    hurry: () => {},
    // As the monitor's: a failed poll is logged there, never thrown at the caller.
    refresh: async () => {
      await cycle().catch(() => {});
    },
    // The fake scheduler reads nothing back after a signal: the stopper refreshes instead.
    report: async () => false,
  };
  const stopper = new Stopper(store, writer, events, systems, locks, polls, silentLog);
  const submitter = new Submitter(store, writer, systems, locks, polls, silentLog);
  const reconciler = new Reconciler(
    'fake',
    writer,
    locks,
    stopper,
    submitter,
    (job) => job.remoteUser ?? 'svc',
    { settleMs: options.settleMs ?? 60_000, lostAfterMs: options.lostAfterMs ?? 60_000 },
    silentLog,
  );
  /** A job that Slurm has as `remoteJobId`, as alice, in `status`. */
  const addJob = async (over: Partial<JobRecord> = {}): Promise<JobRecord> => {
    const now = new Date().toISOString();
    const job: JobRecord = {
      ...sampleJob({
        id: randomUUID(),
        owner: 'alice',
        remoteUser: 'alice',
        execSystemId: 'fake',
        status: 'RUNNING',
        created: now,
        lastUpdated: now,
      }),
      remoteDone: false,
      ...over,
    };
    await store.create(job, { event: 'JOB_CREATED', actor: 'alice', description: 'test' });
    return job;
  };
  /** One poll and its reconciliation, as the monitor runs them. */
  const cycle = async (at = new Date()) => {
    const watched = await store.watched('fake');
    const jobs = watched.flatMap((j) =>
      j.remoteJobId ? [{ remoteJobId: j.remoteJobId, gatewayJobId: j.id }] : [],
    );
    return reconciler.reconcile(watched, await scheduler.poll(jobs), { now: at });
  };
  /** A job accepted and handed to the Submitter, as JobService.submit does; waits for the run. */
  const accept = async (): Promise<string> => {
    const job = await addJob({
      status: 'PROCESSING_INPUTS',
      remoteJobId: null,
      remoteState: null,
      remoteSubmitted: null,
      remoteStarted: null,
    });
    submitter.start(job.id);
    await locks.settle();
    return job.id;
  };
  const get = async (id: string) => (await store.get(id))!;
  const close = async () => {
    submitter.close();
    await locks.settle();
    await store.close();
  };
  return {
    store,
    scheduler,
    stopper,
    submitter,
    reconciler,
    locks,
    addJob,
    cycle,
    accept,
    get,
    close,
  };
}

/** The one execution system of the fast tests: fake host, never reached. */
export function fakeSystemConfig() {
  return parseConfig({
    auth: { issuer: 'https://issuer.test', audience: 'hpcgate', jwksFile: '/unused' },
    systems: [
      {
        id: 'fake',
        host: 'fake.invalid',
        hostKey: 'insecure-accept-any',
        user: 'svc',
        privateKeyPath: '/unused',
        userKeysDir: '/unused',
      },
    ],
  }).systems[0]!;
}
