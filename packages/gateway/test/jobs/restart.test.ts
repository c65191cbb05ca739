import { randomUUID } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sampleJob } from '@hpcgate/contract/testing';
import type { FastifyInstance } from 'fastify';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { JobRecord } from '../../src/store/job-store.js';
import { SqliteJobStore } from '../../src/store/sqlite/sqlite-job-store.js';
import { clusterAs, sandboxSystem, TEST_ACCOUNTS, testConfig } from '../helpers/sandbox-config.js';
import { createTestIssuer } from '../helpers/tokens.js';

// A gateway that stopped while handing jobs to Slurm: on restart it finds the one Slurm already
// has by its tag, submits the one Slurm never got, and submits neither twice.
const system = sandboxSystem({ commandTimeoutMs: 1_000 });
// rita's jobs run as her Unix account; this connection acts as it, behind the gateway's back.
const account = TEST_ACCOUNTS.rita!;
const cluster = clusterAs(system, account);
const sqlitePath = join(mkdtempSync(join(tmpdir(), 'hpcgate-restart-')), 'gateway.db');
let app: FastifyInstance | undefined;

afterAll(async () => {
  await cluster.exec(
    'scancel -u "$USER" --name=restart-reached; scancel -u "$USER" --name=restart-lost',
  );
  cluster.close();
  await app?.close();
});

function leftBehind(name: string): JobRecord {
  const now = new Date().toISOString();
  return {
    ...sampleJob({
      id: randomUUID(),
      name,
      owner: 'rita',
      remoteUser: account,
      execSystemId: system.id,
      status: 'PROCESSING_INPUTS',
      remoteJobId: null,
      remoteState: null,
      remoteSubmitted: null,
      remoteStarted: null,
      created: now,
      lastUpdated: now,
      script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
      command: null,
    }),
    remoteDone: false,
  };
}

async function slurmJobsTagged(jobId: string): Promise<string[]> {
  const r = await cluster.exec("squeue -h --me -t all -o '%i|%k'");
  return r.stdout
    .split('\n')
    .filter((l) => l.endsWith(`|hpcgate:${jobId}`))
    .map((l) => l.split('|')[0]!);
}

describe('restart while jobs were being submitted', () => {
  it('adopts the Slurm job carrying the tag, submits the missing one, each exactly once', async () => {
    const store = new SqliteJobStore(sqlitePath);
    const reached = leftBehind('restart-reached');
    const lost = leftBehind('restart-lost');
    for (const job of [reached, lost]) {
      await store.create(job, {
        event: 'JOB_CREATED',
        actor: 'rita',
        description: 'before the crash',
      });
    }
    await store.close();
    // The previous run's sbatch for `reached` went through; its answer was never recorded.
    const r = await cluster.exec(
      `sbatch --parsable --hold --job-name=restart-reached --comment=hpcgate:${reached.id} --wrap true`,
    );
    const remoteId = r.stdout.trim();
    expect(remoteId).toMatch(/^\d+$/);

    const issuer = await createTestIssuer();
    app = await buildApp(testConfig([system], issuer.jwksFile, sqlitePath));
    const get = async (id: string) =>
      (
        await app!.inject({
          method: 'GET',
          url: `/v3/jobs/${id}`,
          headers: { authorization: `Bearer ${await issuer.token('rita')}` },
        })
      ).json();

    await expect
      .poll(async () => (await get(reached.id)).remoteJobId, { timeout: 15_000 })
      .toBe(remoteId);
    // The lost one is submitted once its previous attempt is old enough to have shown up.
    await expect
      .poll(async () => (await get(lost.id)).remoteJobId, { timeout: 30_000, interval: 250 })
      .toMatch(/^\d+$/);
    // Let a few more poll cycles pass: still one Slurm job each.
    await app.jobs.monitor(system.id)!.refresh();
    await app.jobs.monitor(system.id)!.refresh();
    expect(await slurmJobsTagged(reached.id)).toEqual([remoteId]);
    expect(await slurmJobsTagged(lost.id)).toEqual([(await get(lost.id)).remoteJobId]);
    expect((await get(reached.id)).status).toBe('PENDING');
  });
});
