import { afterAll, beforeAll } from 'vitest';
import { type ClusterEnv, readClusterEnv } from '../cluster-env.js';
import { TestSsh } from '../ssh.js';
import { REPLICA_ACCOUNT, REPLICA_CALLER } from './caller.js';
import { stopJobsNamed } from './cleanup.js';
import type { ReplicaClient } from './client.js';
import { type ReplicaSet, startReplicas } from './replica-set.js';
import { uniquePrefix } from './slurm-jobs.js';

/** What a replica test file works with; `set`, `client` and `ssh` once its `beforeAll` ran. */
export interface ReplicaSuite {
  env: ClusterEnv;
  /** The file's own job-name prefix: what it leaves in Slurm is found, and stopped, by it. */
  prefix: string;
  set: ReplicaSet;
  /** Calls as {@link REPLICA_CALLER}, spread round-robin over the replicas. */
  client: ReplicaClient;
  /** A session on the cluster as the caller's account. */
  ssh: TestSsh;
}

/**
 * A test file's replicas: started before its tests (named `name` in logs and the schema), and
 * after them its jobs stopped (through the gateway, then `scancel`), the session closed and the
 * replicas stopped, whatever failed before.
 */
export function replicaSuite(name: string, tag: string): ReplicaSuite {
  const env = readClusterEnv();
  const suite = { env, prefix: uniquePrefix(tag) } as ReplicaSuite;
  beforeAll(async () => {
    suite.set = await startReplicas(env, { name });
    suite.client = suite.set.client(REPLICA_CALLER);
    suite.ssh = await TestSsh.connect(env, REPLICA_ACCOUNT);
  }, 90_000);
  afterAll(async () => {
    try {
      if (suite.client && suite.ssh) await stopJobsNamed(suite.client, suite.ssh, suite.prefix);
    } finally {
      suite.ssh?.close();
      await suite.set?.close();
    }
  }, 60_000);
  return suite;
}
