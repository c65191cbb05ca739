import type { JobEvent } from '@hpcgate/sdk';
import type { ReplicaClient } from './client.js';
import { mapLimit } from './util.js';

/**
 * The jobs whose history does not say exactly once that they reached Slurm (`REMOTE_SUBMITTED`),
 * with how many times it does: each history read from the next replica in turn.
 */
export async function notSubmittedOnce(
  client: ReplicaClient,
  jobIds: readonly string[],
): Promise<string[]> {
  const counts = await mapLimit(jobIds, 20, async (jobId) => {
    const h = await client.callRetrying('GET', `/v3/jobs/${jobId}/history`);
    const events = h.body.events as JobEvent[];
    return events.filter((e) => e.event === 'REMOTE_SUBMITTED').length;
  });
  return jobIds.flatMap((id, n) =>
    counts[n] === 1 ? [] : [`${id}: ${counts[n]} REMOTE_SUBMITTED`],
  );
}
