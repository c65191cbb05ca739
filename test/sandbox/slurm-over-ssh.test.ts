import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { isFinal, probeJob, waitForState } from '../support/slurm-probe.js';
import { TestSsh } from '../support/ssh.js';

// These tests talk to the real sandbox cluster (sshd → Slurm) with ssh2, as the gateway will.
const env = readClusterEnv();
let ssh: TestSsh;

beforeAll(async () => {
  ssh = await TestSsh.connect(env);
});
afterAll(() => ssh?.close());

async function sbatch(script: string, ...flags: string[]): Promise<string> {
  const out = await ssh.run(`sbatch --parsable ${flags.join(' ')}`, script);
  const id = out.trim().split(';')[0]!;
  expect(id).toMatch(/^\d+$/);
  return id;
}

describe('the sandbox cluster, reached through sshd with ssh2', () => {
  it('runs jobs as the unprivileged cluster user, not root', async () => {
    const uid = (await ssh.run('id -u')).trim();
    expect(Number(uid)).toBeGreaterThan(0);
    const id = await sbatch('#!/bin/bash\ntrue\n', `--partition=${env.partition}`);
    const { job } = await waitForState(ssh, id, isFinal);
    expect(job.userId).toMatch(new RegExp(`^${env.user}\\(${uid}\\)$`));
  });

  it('runs a job that writes a file: queued or running, then COMPLETED with exit code 0', async () => {
    const marker = `/tmp/hpcgate-sandbox-test-${randomUUID()}`;
    const id = await sbatch(
      `#!/bin/bash\nsleep 1\necho "written by $SLURM_JOB_ID" > ${marker}\n`,
      '--output=/dev/null',
    );
    const { job, seen } = await waitForState(ssh, id, isFinal);
    expect(seen.some((s) => s === 'PENDING' || s === 'RUNNING')).toBe(true);
    expect(job.state).toBe('COMPLETED');
    expect(job.exitCode).toBe('0:0');
    expect((await ssh.run(`cat ${marker}; rm -f ${marker}`)).trim()).toBe(`written by ${id}`);
  });

  it('reports a failing job as FAILED with its exit code', async () => {
    const id = await sbatch('#!/bin/bash\nexit 7\n', '--output=/dev/null');
    const { job } = await waitForState(ssh, id, isFinal);
    expect(job.state).toBe('FAILED');
    expect(job.exitCode).toBe('7:0');
  });

  it('cancels a pending (held) job with scancel: CANCELLED and gone from the queue', async () => {
    const id = await sbatch('#!/bin/bash\ntrue\n', '--hold', '--output=/dev/null');
    expect((await probeJob(ssh, id)).state).toBe('PENDING');
    await ssh.run(`scancel ${id}`);
    const { job } = await waitForState(ssh, id, isFinal, 10_000);
    expect(job.state).toBe('CANCELLED');
    const queued = await ssh.run(`squeue -h -j ${id} -o %T`);
    expect(queued.trim()).toBe('');
  });

  it('cancels a running job with scancel: CANCELLED, and its process is gone', async () => {
    const tag = `hpcgate-sleeper-${randomUUID()}`;
    const id = await sbatch(`#!/bin/bash\nexec -a ${tag} sleep 300\n`, '--output=/dev/null');
    await waitForState(ssh, id, (s) => s === 'RUNNING');
    // The job's process really runs on the node before we stop it …
    await expect
      .poll(async () => (await ssh.exec(`pgrep -f ${tag}`)).code, { timeout: 5_000 })
      .toBe(0);
    await ssh.run(`scancel ${id}`);
    const { job } = await waitForState(ssh, id, isFinal, 15_000);
    expect(job.state).toBe('CANCELLED');
    // … and is gone after the cancel.
    await expect
      .poll(async () => (await ssh.exec(`pgrep -f ${tag}`)).code, { timeout: 10_000 })
      .toBe(1);
  });
});
