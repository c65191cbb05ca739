import { randomUUID } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { SchedulerCommandError } from '../../../src/scheduler/errors.js';
import type { BatchJobSpec } from '../../../src/scheduler/scheduler.js';
import { SlurmScheduler } from '../../../src/scheduler/slurm/slurm-scheduler.js';
import { sampleSpec } from '../../helpers/sample-spec.js';
import { clusterAs, sandboxSystem } from '../../helpers/sandbox-config.js';

// On the sandbox: submits that arrive together go to Slurm in one remote command, and each job
// lands once, under its own tag, with its own directory and its script byte for byte; a job
// sbatch refuses fails alone. One batch at a time (maxChannels 2): the first submit goes alone,
// the others wait for it and go together.
const system = sandboxSystem({ maxChannels: 2 });
const scheduler = new SlurmScheduler(system);
const carol = clusterAs(system, 'carol');
const landed: string[] = [];
afterAll(async () => {
  if (landed.length > 0) await carol.exec(`scancel ${landed.join(' ')}`);
  carol.close();
  scheduler.close();
});

const held = (name: string): BatchJobSpec =>
  sampleSpec({
    gatewayJobId: randomUUID(),
    name,
    script: '#!/bin/bash\n#SBATCH --hold\ntrue\n',
    command: null,
  });

describe('submits sent together', () => {
  it('one command for the waiting ones; each job its own id, tag, directory and script', async () => {
    const pwned = `/tmp/hpcgate-batch-pwned-${randomUUID()}`;
    // Prints itself (the wrapper runs a copy of it): every quote, expansion and here-document
    // delimiter must arrive as written. Not held: it runs.
    const hostile = [
      '#!/bin/bash',
      `# '"'"' $(touch ${pwned}) \`touch ${pwned}\` \${HOME} \\`,
      "cat <<'HPCGATE_SCRIPT_00'",
      'hpcgate-batch-00000000000000000000000000000000 1 exit 0',
      'HPCGATE_SCRIPT_00',
      `printf '%s\\n' "'"`,
      'cat "$0"',
      '',
    ].join('\n');
    const specs = [
      held('batch-a'),
      held('batch-b'),
      sampleSpec({
        gatewayJobId: randomUUID(),
        name: 'batch-hostile',
        script: hostile,
        command: null,
      }),
      { ...held('batch-refused'), partition: 'nosuch' },
      held('batch-c'),
      held('batch-d'),
    ];
    const before = scheduler.commandsSent;
    const outcomes = await Promise.all(
      specs.map((s) => scheduler.submit(s, 'carol').catch((e: unknown) => e)),
    );
    expect(scheduler.commandsSent - before).toBe(2);
    const refused = outcomes[3];
    expect(refused).toBeInstanceOf(SchedulerCommandError);
    expect((refused as SchedulerCommandError).stderr).toMatch(/Invalid partition/);
    const ok = outcomes.filter((_, i) => i !== 3) as string[];
    for (const id of ok) expect(id).toMatch(/^\d+$/);
    landed.push(...ok);
    // Each id carries the tag of the job it was returned for, and no job lands twice.
    const listing = await carol.exec(`squeue -h --me -t all -j ${ok.join(',')} -o '%i|%k|%j'`);
    expect(listing.stdout.trim().split('\n').sort()).toEqual(
      specs
        .flatMap((s, i) => (i === 3 ? [] : [`${outcomes[i]}|hpcgate:${s.gatewayJobId}|${s.name}`]))
        .sort(),
    );
    const refusedTag = `hpcgate:${specs[3]!.gatewayJobId}`;
    const all = await carol.exec("squeue -h --me -t all -o '%k'");
    expect(all.stdout.split('\n')).not.toContain(refusedTag);
    // Directories 0700 and owned by the account; the hostile script printed itself, verbatim.
    const dir = (s: BatchJobSpec) => `"$HOME"/hpcgate/jobs/${s.gatewayJobId}`;
    const modes = await carol.exec(`stat -c '%a %U' ${specs.map(dir).join(' ')}`);
    expect(modes.stdout.trim().split('\n')).toEqual(specs.map(() => '700 carol'));
    const out = `${dir(specs[2]!)}/stdout`;
    const deadline = Date.now() + 30_000;
    let printed = '';
    while (Date.now() < deadline) {
      const state = await carol.exec(`squeue -h -t all -j ${outcomes[2]} -o %T`);
      if (/COMPLETED|FAILED/.test(state.stdout)) {
        printed = (await carol.exec(`cat ${out}`)).stdout;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(printed).toBe(`hpcgate-batch-00000000000000000000000000000000 1 exit 0\n'\n${hostile}`);
    expect((await carol.exec(`test -e ${pwned}`)).code).not.toBe(0);
  }, 60_000);

  it('a job whose directory cannot be made fails alone, with the reason', async () => {
    const [first, blocked, next] = [held('batch-first'), held('batch-blocked'), held('batch-next')];
    // A file where the job's directory would go.
    const path = `"$HOME"/hpcgate/jobs/${blocked.gatewayJobId}`;
    expect((await carol.exec(`mkdir -p "$HOME"/hpcgate/jobs && touch ${path}`)).code).toBe(0);
    try {
      const before = scheduler.commandsSent;
      const [a, b, c] = await Promise.all(
        [first, blocked, next].map((s) => scheduler.submit(s, 'carol').catch((e: unknown) => e)),
      );
      expect(scheduler.commandsSent - before).toBe(2);
      landed.push(a as string, c as string);
      expect(a).toMatch(/^\d+$/);
      expect(c).toMatch(/^\d+$/);
      expect(b).toBeInstanceOf(SchedulerCommandError);
      expect(b).toMatchObject({ exitCode: 73 });
      expect((b as SchedulerCommandError).stderr).toMatch(
        /File exists[\s\S]*cannot make the job directory/,
      );
    } finally {
      await carol.exec(`rm -f ${path}`);
    }
  });
});
