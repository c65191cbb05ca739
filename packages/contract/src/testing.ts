import type { Job } from './job.js';

/**
 * A valid job as the gateway returns it, for tests of the gateway's consumers (HTTP mocks, pure
 * logic): one definition instead of a copy per package.
 */
export function sampleJob(overrides: Partial<Job> = {}): Job {
  return {
    id: '3f2b8e4e-8c1d-4f5a-9b7e-2d6c1a0f9e8d',
    name: 'sweep-1',
    owner: 'alice',
    execSystemId: 'cluster',
    status: 'RUNNING',
    condition: null,
    lastMessage: null,
    remoteJobId: '42',
    remoteUser: 'alice',
    remoteState: 'RUNNING',
    remoteReason: null,
    exitCode: null,
    exitSignal: null,
    created: '2026-11-23T10:00:00.000Z',
    remoteSubmitted: '2026-11-23T10:00:00.100Z',
    remoteStarted: '2026-11-23T10:00:01.000Z',
    ended: null,
    lastUpdated: '2026-11-23T10:00:01.000Z',
    stopRequest: null,
    script: null,
    command: 'sleep 60',
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
    ...overrides,
  };
}
