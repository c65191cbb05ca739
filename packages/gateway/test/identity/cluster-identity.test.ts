import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Each caller's jobs run as their own Unix account on the real sandbox, and the cluster itself
// (Slurm's permissions, file modes) keeps one user's job away from another's.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

describe("jobs run as the caller's own Unix account", () => {
  it("alice's and bob's jobs run as alice and bob (Slurm's user, and id -un in the job)", async () => {
    const tag = randomUUID();
    const started = await Promise.all(
      (['alice', 'bob'] as const).map(async (user) => {
        const job = await h.submit(user, {
          name: `whoami-${tag}`,
          command: `id -un > "$HOME/whoami-${tag}"; sleep 30`,
        });
        expect(job.remoteUser).toBe(user);
        return { user, job: await h.waitFor(user, job.id, hasStatus('RUNNING')) };
      }),
    );
    for (const { user, job } of started) {
      const slurmUser = await h.cluster.exec(
        `squeue -h -t all -j ${Number(job.remoteJobId)} -o %u`,
      );
      expect(slurmUser.stdout.trim()).toBe(user);
      await expect
        .poll(async () => (await h.as(user).exec(`cat ~/whoami-${tag}`)).stdout.trim(), {
          timeout: 10_000,
        })
        .toBe(user);
      await h.as(user).exec(`rm -f ~/whoami-${tag}`);
      expect((await h.call(user, 'POST', `/v3/jobs/${job.id}/cancel`)).status).toBeLessThan(300);
    }
  });

  it("a job of bob's cannot read, signal or write alice's job, and alice's job runs on", async () => {
    const tag = randomUUID();
    const secret = `s3cr3t-${randomUUID()}`;
    // alice's job keeps a secret in its environment and waits for a go file in her home.
    const alice = await h.submit('alice', {
      name: `victim-${tag}`,
      env: { ALICE_SECRET: secret },
      command: `echo "secret is $ALICE_SECRET" > ~/secret-${tag}; while [ ! -e ~/go-${tag} ]; do sleep 0.2; done; echo alive > ~/alive-${tag}`,
    });
    const aliceRunning = await h.waitFor('alice', alice.id, hasStatus('RUNNING'));
    const target = aliceRunning.remoteJobId!;
    await expect
      .poll(async () => (await h.as('alice').exec(`test -e ~/secret-${tag}`)).code, {
        timeout: 10_000,
      })
      .toBe(0);

    // bob's job tries everything a shared account used to allow, and writes down what happened.
    const attack = [
      'set +e',
      'id="$1"; out="$HOME/attack-$2"',
      'scontrol write batch_script "$id" - > "$out.script" 2> "$out.script.err"; echo "script=$?" >> "$out"',
      'scancel "$id" 2> "$out.scancel.err"; echo "scancel=$?" >> "$out"',
      'scontrol update JobId="$id" Comment=pwned 2> "$out.update.err"; echo "update=$?" >> "$out"',
      `cat /home/alice/secret-${tag} > "$out.read" 2> "$out.read.err"; echo "read=$?" >> "$out"`,
      `ls /home/alice > /dev/null 2> "$out.ls.err"; echo "ls=$?" >> "$out"`,
      `touch /home/alice/pwned-${tag} 2> "$out.write.err"; echo "write=$?" >> "$out"`,
      `cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n' | grep -c ALICE_SECRET= > "$out.environ"`,
      'echo done >> "$out"',
    ].join('\n');
    const bob = await h.submit('bob', {
      name: `attacker-${tag}`,
      script: `#!/bin/bash\n${attack}\n`,
      args: [target, tag],
    });
    const bobEnded = await h.waitFor('bob', bob.id, hasStatus('FINISHED', 'FAILED'), 30_000);
    expect(bobEnded.status).toBe('FINISHED');
    const results = (await h.as('bob').exec(`cat ~/attack-${tag}`)).stdout;
    const rc = Object.fromEntries(
      results
        .split('\n')
        .filter((l) => l.includes('='))
        .map((l) => l.split('=') as [string, string]),
    );
    expect(results).toContain('done');
    // (`scontrol write batch_script` exits 0 even when it refuses: its message says so.)
    for (const step of ['scancel', 'update', 'read', 'ls', 'write']) {
      expect(rc[step], `${step} should have been refused`).not.toBe('0');
    }
    const err = async (step: string) =>
      (await h.as('bob').exec(`cat ~/attack-${tag}.${step}.err`)).stdout;
    expect(await err('script')).toMatch(/script retrieval failed: invalid user id/i);
    // Slurm 22.05 refuses another user's job as "Invalid user id" (older: "Access/permission denied").
    const refused = /invalid user id|access\/permission denied/i;
    expect(await err('scancel')).toMatch(refused);
    expect(await err('update')).toMatch(refused);
    expect(await err('read')).toMatch(/permission denied/i);
    expect(await err('write')).toMatch(/permission denied/i);
    // Nothing of alice's secret reached bob: not the script, not the file, not her processes.
    const leaked = await h.as('bob').exec(`cat ~/attack-${tag}.script ~/attack-${tag}.read`);
    expect(leaked.stdout).not.toContain(secret);
    expect((await h.as('bob').exec(`cat ~/attack-${tag}.environ`)).stdout.trim()).toBe('0');
    await h.as('bob').exec(`rm -f ~/attack-${tag}*`);

    // alice's job is untouched: still running, its comment (the gateway's tag) unchanged.
    expect((await h.call('alice', 'GET', `/v3/jobs/${alice.id}`)).body.status).toBe('RUNNING');
    const comment = await h.cluster.exec(`squeue -h -j ${Number(target)} -o %k`);
    expect(comment.stdout.trim()).toBe(`hpcgate:${alice.id}`);
    expect((await h.as('alice').exec(`test -e ~/pwned-${tag}`)).code).not.toBe(0);
    await h.as('alice').exec(`touch ~/go-${tag}`);
    const aliceEnded = await h.waitFor(
      'alice',
      alice.id,
      hasStatus('FINISHED', 'FAILED', 'CANCELLED'),
    );
    expect(aliceEnded.status).toBe('FINISHED');
    expect((await h.as('alice').exec(`cat ~/alive-${tag}`)).stdout.trim()).toBe('alive');
    await h.as('alice').exec(`rm -f ~/secret-${tag} ~/go-${tag} ~/alive-${tag}`);
  });
});

describe('callers without a cluster account', () => {
  it('an unmapped caller gets 403 NO_CLUSTER_ACCOUNT naming the system; nothing reaches Slurm', async () => {
    const name = `unmapped-${randomUUID()}`;
    const before = h.app.systems.get(h.system.id)!.scheduler.commandsSent;
    const res = await h.call('zed', 'POST', '/v3/jobs/submit', {
      name,
      execSystemId: h.system.id,
      command: 'true',
    });
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({
      code: 'NO_CLUSTER_ACCOUNT',
      details: { execSystemId: h.system.id },
    });
    expect(res.body.error.message).toContain(h.system.id);
    // No job was stored, and no command was sent on the caller's behalf.
    expect((await h.call('zed', 'GET', '/v3/jobs/list')).body.jobs).toEqual([]);
    expect((await h.cluster.exec(`squeue -h -t all --name=${name} -o %i`)).stdout.trim()).toBe('');
    const sent = h.app.systems.get(h.system.id)!.scheduler.commandsSent - before;
    // Only the monitor's own polls (as the service account) may have run meanwhile.
    expect(sent).toBeLessThanOrEqual(2);
  });

  it('a bot (client credentials) is never mapped by its name alone', async () => {
    // "carol" is a Unix account with a key, but a client named carol is not a person named carol.
    const token = await h.issuer.token('carol', { claims: { client_id: 'carol' } });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'bot', execSystemId: h.system.id, command: 'true' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('NO_CLUSTER_ACCOUNT');
  });

  it('a bot named in the accounts table runs as the account the table names', async () => {
    const token = await h.issuer.token('hpcgate-automation', {
      claims: { client_id: 'hpcgate-automation' },
    });
    const res = await h.app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: { authorization: `Bearer ${token}` },
      payload: { name: 'bot-job', execSystemId: h.system.id, command: 'id -un' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json().remoteUser).toBe('hpcbot');
    const job = await h.waitFor(
      'hpcgate-automation',
      res.json().id,
      hasStatus('FINISHED', 'FAILED'),
    );
    expect(job.status).toBe('FINISHED');
    const who = await h.cluster.exec(`squeue -h -t all -j ${Number(job.remoteJobId)} -o %u`);
    expect(who.stdout.trim()).toBe('hpcbot');
  });
});
