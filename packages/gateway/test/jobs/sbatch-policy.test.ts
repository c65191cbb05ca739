import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// The #SBATCH allow-list on the real sandbox: bypasses answer 400 naming the line and nothing is
// stored or sent; allowed directives take effect; the gateway's own parameters win.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');

/** carol's Slurm jobs of this moment: one `<id>|<comment>` line per job (array tasks included). */
async function carolsJobs(): Promise<string[]> {
  const r = await h.as('carol').exec("squeue -h --me -t all -r -o '%i|%k'");
  return r.stdout.split('\n').filter(Boolean);
}

describe('#SBATCH bypasses through the API', () => {
  it.each([
    ['script', '#!/bin/bash\n#SBATCH --arr=0-9\nsleep 120\n', 2, '#SBATCH --arr=0-9'],
    ['script', '#!/bin/bash\n#SBATCH -Qa0-9\nsleep 120\n', 2, '#SBATCH -Qa0-9'],
    ['script', '#!/bin/bash\n#SBATCH "--array=0-9"\nsleep 120\n', 2, '#SBATCH "--array=0-9"'],
    ['script', '#!/bin/bash\n#SBATCH --hold\n#SBATCH -Qpsecret\ntrue\n', 3, '#SBATCH -Qpsecret'],
    ['script', '#!/bin/bash\n#SBATCH -p debug -p secret\ntrue\n', 2, '#SBATCH -p debug -p secret'],
    ['command', '#SBATCH --array=0-3\nsleep 120', 1, '#SBATCH --array=0-3'],
    ['command', '#SBATCH --partition=debug\nsleep 120', 1, '#SBATCH --partition=debug'],
  ])('%s %j: 400 naming line %i', async (field, text, line, shown) => {
    const name = `bypass-${randomUUID().slice(0, 8)}`;
    const res = await h.call('carol', 'POST', '/v3/jobs/submit', {
      name,
      execSystemId: h.system.id,
      [field]: text,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.field).toBe(`body.${field}`);
    expect(res.body.error.message).toContain(`line ${line}, ${JSON.stringify(shown)}`);
    // Refused before anything was stored or sent.
    const listed = await h.call('carol', 'GET', `/v3/jobs/list?name=${name}`);
    expect(listed.status).toBe(200);
    expect(listed.body.jobs).toEqual([]);
    const inSlurm = await h.as('carol').exec(`squeue -h --me -t all -n ${name} -o %i`);
    expect(inSlurm.stdout.trim()).toBe('');
  });
});

describe('allowed directives and the gateway parameters', () => {
  it('#SBATCH --time=5 with --hold: accepted, held, and Slurm shows the time limit', async () => {
    const job = await h.submit('carol', {
      name: 'policy-time',
      script: '#!/bin/bash\n#SBATCH --time=5\n#SBATCH --hold\ntrue\n',
    });
    const pending = await h.waitFor('carol', job.id, hasStatus('PENDING'));
    const id = pending.remoteJobId!;
    expect((await h.cluster.exec(`squeue -h -j ${Number(id)} -o %l`)).stdout.trim()).toBe('5:00');
    const res = await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`);
    expect([200, 202]).toContain(res.status);
    expect((await h.waitFor('carol', job.id, terminal)).status).toBe('CANCELLED');
  });

  it('maxMinutes (on the command line) wins over #SBATCH --time', async () => {
    const job = await h.submit('carol', {
      name: 'policy-max',
      script: '#!/bin/bash\n#SBATCH --time=5\n#SBATCH --hold\ntrue\n',
      maxMinutes: 7,
    });
    const pending = await h.waitFor('carol', job.id, hasStatus('PENDING'));
    const id = Number(pending.remoteJobId);
    expect((await h.cluster.exec(`squeue -h -j ${id} -o %l`)).stdout.trim()).toBe('7:00');
    await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`);
    await h.waitFor('carol', job.id, terminal);
  });

  it('a #PBS array line inside the script does not make an array (the wrapper says --ignore-pbs)', async () => {
    // sbatch translates #PBS lines from anywhere near the top of the file it is given, and the
    // user's script sits in the wrapper's here-document: without --ignore-pbs this was 3 jobs.
    const job = await h.submit('carol', {
      name: 'policy-pbs',
      script: '#!/bin/bash\n#SBATCH --hold\necho start\n#PBS -t 0-2\n#PBS -q secret\ntrue\n',
    });
    const pending = await h.waitFor('carol', job.id, hasStatus('PENDING'));
    const tagged = (await carolsJobs()).filter((l) => l.endsWith(`|hpcgate:${job.id}`));
    expect(tagged).toEqual([`${pending.remoteJobId}|hpcgate:${job.id}`]);
    await h.call('carol', 'POST', `/v3/jobs/${job.id}/cancel`);
    await h.waitFor('carol', job.id, terminal);
  });
});

describe('args of a command job', () => {
  it('reach the command as its positional parameters, literally', async () => {
    const out = `/tmp/hpcgate-cmdargs-${randomUUID()}`;
    const pwned = `/tmp/hpcgate-pwned-${randomUUID()}`;
    const args = [
      `; touch ${pwned}`,
      `$(touch ${pwned})`,
      "'",
      '"',
      'two words',
      `\`touch ${pwned}\``,
    ];
    const job = await h.submit('carol', {
      name: 'cmdargs',
      command: `printf '%s\\n' "$@" > ${out}`,
      args,
    });
    const ended = await h.waitFor('carol', job.id, terminal, 60_000);
    expect(ended.status).toBe('FINISHED');
    expect(ended.args).toEqual(args);
    const seen = (await h.cluster.exec(`cat ${out}`)).stdout.split('\n').slice(0, -1);
    expect(seen).toEqual(args);
    expect((await h.cluster.exec(`test -e ${pwned}`)).code).not.toBe(0);
    await h.as('carol').exec(`rm -f ${out}`);
  });
});
