import type { BatchJobSpec } from '../../src/scheduler/scheduler.js';

/** A minimal job as the scheduler is asked to run it (a `command` job), for unit tests. */
export function sampleSpec(overrides: Partial<BatchJobSpec> = {}): BatchJobSpec {
  return {
    gatewayJobId: 'g-1',
    name: 'x',
    script: null,
    command: 'true',
    args: [],
    env: {},
    workingDir: null,
    partition: null,
    nodes: null,
    cpusPerTask: null,
    memoryMB: null,
    maxMinutes: null,
    array: null,
    phases: null,
    ...overrides,
  };
}
