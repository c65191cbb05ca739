import { randomUUID } from 'node:crypto';
import type { Job } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import type { JobRecord, JobStore } from '../../src/store/job-store.js';

const T0 = Date.parse('2026-11-23T10:00:00.000Z');

/** A stored job with a fresh id, created `i` seconds after T0 (so larger `i` is newer). */
export function record(
  i: number,
  overrides: Partial<Job> & { remoteDone?: boolean } = {},
): JobRecord {
  const { remoteDone = false, ...job } = overrides;
  const created = new Date(T0 + i * 1000).toISOString();
  return {
    ...sampleJob({ id: randomUUID(), name: `job-${i}`, created, lastUpdated: created, ...job }),
    remoteDone,
  };
}

/** Stores `n` jobs made by `make(i)`, i = 0 … n-1; resolves to them in creation order. */
export async function createMany(
  store: JobStore,
  n: number,
  make: (i: number) => JobRecord,
): Promise<JobRecord[]> {
  const jobs = Array.from({ length: n }, (_, i) => make(i));
  for (const job of jobs) {
    await store.create(job, { event: 'JOB_CREATED', actor: job.owner, description: 'created' });
  }
  return jobs;
}

/** Newest first, as list and select answer. */
export const newestFirst = (jobs: JobRecord[]): string[] =>
  [...jobs]
    .sort((a, b) => b.created.localeCompare(a.created) || b.id.localeCompare(a.id))
    .map((j) => j.id);
