import type { Job } from '@hpcgate/contract';

let n = 0;

/** A job record as the gateway sends it; only what a test names differs. */
export function makeJob(over: Partial<Job> = {}): Job {
  n++;
  const id = `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`;
  return {
    id,
    name: `job-${n}`,
    owner: 'alice',
    execSystemId: 'hpcgate-sandbox',
    status: 'RUNNING',
    condition: null,
    lastMessage: null,
    remoteJobId: '42',
    remoteUser: 'alice',
    remoteState: 'RUNNING',
    remoteReason: null,
    exitCode: null,
    exitSignal: null,
    created: '2025-01-01T00:00:00.000Z',
    remoteSubmitted: null,
    remoteStarted: null,
    ended: null,
    lastUpdated: '2025-01-01T00:00:00.000Z',
    stopRequest: null,
    script: null,
    command: 'sleep 600',
    args: [],
    env: {},
    workingDir: null,
    partition: null,
    nodes: null,
    cpusPerTask: null,
    memoryMB: null,
    maxMinutes: null,
    tags: [],
    description: null,
    output: null,
    tasks: null,
    array: null,
    phases: null,
    exclusiveKey: null,
    hidden: false,
    resubmittedFrom: null,
    resubmittedAs: null,
    ...over,
  };
}
