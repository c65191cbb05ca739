import { ConflictError, Hpcgate, NotFoundError } from '@hpcgate/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, type RunningGateway, startGateway } from '../support/gateway.js';
import { TestSsh } from '../support/ssh.js';
import { createIssuer } from '../support/tokens.js';

// The SDK against the real gateway and cluster: submit, list, stop by wildcard (what-if, then for
// real), and Slurm itself shows nothing left running.
const env = readClusterEnv();
let gateway: RunningGateway;
let ssh: TestSsh;
let alice: Hpcgate;
let bob: Hpcgate;

beforeAll(async () => {
  const issuer = await createIssuer();
  gateway = await startGateway(gatewayConfigFor(env, issuer.jwksFile));
  alice = new Hpcgate({ baseUrl: gateway.url, tokenProvider: () => issuer.token('alice') });
  bob = new Hpcgate({ baseUrl: gateway.url, tokenProvider: () => issuer.token('bob') });
  ssh = await TestSsh.connect(env);
});
afterAll(async () => {
  ssh?.close();
  await gateway?.close();
});

async function slurmActive(ids: string[]): Promise<string[]> {
  const out = await ssh.run('squeue -h -u alice,bob -t PENDING,RUNNING,COMPLETING -o %i');
  const active = new Set(out.split('\n').filter(Boolean));
  return ids.filter((id) => active.has(id));
}

describe('bulk stop through the SDK', () => {
  it('what-if, then stop by wildcard, leaving nothing in Slurm', async () => {
    const tag = `e2e-${Date.now()}`;
    const jobs = await Promise.all(
      [1, 2, 3].map((i) =>
        alice.jobs.submitJob({
          name: `sweep-${i}`,
          execSystemId: env.cluster,
          command: 'sleep 600',
          tags: [tag],
        }),
      ),
    );
    const keep = await alice.jobs.submitJob({
      name: 'other',
      execSystemId: env.cluster,
      command: 'sleep 600',
      tags: [tag],
    });
    const running = await Promise.all(
      [...jobs, keep].map((j) =>
        alice.jobs.waitForJob({ jobId: j.id, until: ['RUNNING'], timeoutMs: 30_000 }),
      ),
    );

    const listed: string[] = [];
    for await (const j of alice.jobs.listAll({ name: 'sweep-*', tags: [tag], limit: 2 }))
      listed.push(j.id);
    expect(listed.sort()).toEqual(jobs.map((j) => j.id).sort());

    // Bob sees none of them and stops none of them.
    expect((await bob.jobs.stopJobs({ selector: { tags: [tag] } })).results).toEqual([]);
    await expect(bob.jobs.getJob({ jobId: keep.id })).rejects.toBeInstanceOf(NotFoundError);

    const preview = await alice.jobs.stopJobs({
      selector: { names: ['sweep-*'], tags: [tag] },
      whatIf: true,
    });
    expect(preview.results.map((r) => r.outcome)).toEqual([
      'would_stop',
      'would_stop',
      'would_stop',
    ]);
    const remoteIds = running.map((j) => j.remoteJobId!);
    expect(await slurmActive(remoteIds)).toHaveLength(4);

    const stopped = await alice.jobs.stopJobs({ selector: { names: ['sweep-*'], tags: [tag] } });
    expect(stopped.results.map((r) => r.outcome)).toEqual(['stopped', 'stopped', 'stopped']);
    for (const j of jobs) {
      const ended = await alice.jobs.waitForJob({ jobId: j.id, timeoutMs: 30_000 });
      expect(ended).toMatchObject({ status: 'CANCELLED', condition: 'CANCELLED_BY_USER' });
    }
    // Slurm agrees: only the job that did not match is still there.
    expect(await slurmActive(remoteIds)).toEqual([running[3]!.remoteJobId]);

    const again = await alice.jobs.cancelJob({ jobId: jobs[0]!.id }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(ConflictError);
    expect((again as ConflictError).job.status).toBe('CANCELLED');

    await alice.jobs.cancelJob({ jobId: keep.id, wait: 30 });
    expect(await slurmActive(remoteIds)).toEqual([]);
  });
});
