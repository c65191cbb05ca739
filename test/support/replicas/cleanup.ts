import type { TestSsh } from '../ssh.js';
import { REPLICA_ACCOUNT } from './caller.js';
import type { ReplicaClient } from './client.js';
import { cancelSlurmJobsNamed } from './slurm-jobs.js';

/**
 * A test's cleanup: a bulk stop of its jobs through the replicas, then, whatever the gateways
 * did, a `scancel` of every Slurm job of its prefix still queued or running. The stop is given
 * 20 s: a failing test's gateways may not answer, and the cleanup must still end in its hook's
 * time (the schema is dropped after it).
 */
export async function stopJobsNamed(
  client: ReplicaClient,
  accountSsh: TestSsh,
  prefix: string,
): Promise<void> {
  await client
    .call('POST', '/v3/jobs/stop', {
      body: { selector: { names: [`${prefix}*`] }, mode: 'cancel' },
      timeoutMs: 20_000,
    })
    .catch(() => {});
  await cancelSlurmJobsNamed(accountSsh, REPLICA_ACCOUNT, prefix);
}
