import type { Job } from '@hpcgate/sdk';
import { expect, vi } from 'vitest';
import type { ReplicaSuite } from './suite.js';
import { few, mapLimit } from './util.js';

/**
 * Submits `count` jobs named `<prefix><i>` running `command`, spread over the replicas, and
 * waits until Slurm runs them all; resolves to their ids in order.
 */
export async function runningJobs(
  suite: ReplicaSuite,
  count: number,
  command: string,
): Promise<string[]> {
  const ids = await mapLimit([...Array(count).keys()], 10, async (i) => {
    const a = await suite.client.callRetrying('POST', '/v3/jobs/submit', {
      body: { name: `${suite.prefix}${i}`, execSystemId: suite.env.cluster, command },
    });
    expect(a.status).toBe(201);
    return a.body.id as string;
  });
  await vi.waitFor(
    async () => {
      const listed = await suite.client.listJobs({ name: `${suite.prefix}*` });
      expect(listed.map((j) => j.status)).toEqual(Array(count).fill('RUNNING'));
    },
    { timeout: 60_000, interval: 500 },
  );
  return ids;
}

/** The suite's jobs once none waits for its sbatch any more (a replica's, a survivor's). */
export function allHandedToSlurm(suite: ReplicaSuite, timeoutMs: number): Promise<Job[]> {
  return vi.waitFor(
    async () => {
      const now = await suite.client.listJobs({ name: `${suite.prefix}*`, includeHidden: 'true' });
      const waiting = now.filter((j) => j.status === 'PROCESSING_INPUTS').map((j) => j.id);
      expect(few(waiting)).toEqual(few([]));
      return now;
    },
    { timeout: timeoutMs, interval: 1_000 },
  );
}
