import type { Job } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';

let n = 0;

/** A job record as the gateway sends it; only what a test names differs. */
export function makeJob(over: Partial<Job> = {}): Job {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  // The contract's sample job, made unique and not yet started.
  return sampleJob({
    id,
    name: `job-${n}`,
    execSystemId: 'hpcgate-sandbox',
    created: '2025-01-01T00:00:00.000Z',
    remoteSubmitted: null,
    remoteStarted: null,
    lastUpdated: '2025-01-01T00:00:00.000Z',
    command: 'sleep 600',
    ...over,
  });
}
