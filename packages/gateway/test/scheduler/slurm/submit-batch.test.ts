import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { sbatchLine } from '../../../src/scheduler/slurm/commands.js';
import { shellQuote } from '../../../src/scheduler/slurm/quote.js';
import {
  type BatchJob,
  batchNonce,
  parseSubmitBatch,
  submitBatchCommand,
  submitBatchScript,
} from '../../../src/scheduler/slurm/submit-batch.js';
import { sampleSpec } from '../../helpers/sample-spec.js';

// Several submissions in one remote command: the script built for it, and its output mapped back
// to each job. The outputs are captured from the sandbox (4 jobs, the third refused by sbatch).
const N = 'hpcgate-batch-0c4b85267df4fe643fb4509951b56461';
const CAPTURED = `\n${N} 0 start\n19001\n\n${N} 0 exit 0\n\n${N} 1 start\n19002\n\n${N} 1 exit 0\n\n${N} 2 start\nsbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified\n\n${N} 2 exit 1\n\n${N} 3 start\n19003\n\n${N} 3 exit 0\n`;

function job(id: string, script: string, partition: string | null = null): BatchJob {
  const spec = sampleSpec({ gatewayJobId: id, script, command: null, partition });
  return {
    spec,
    jobDir: `"$HOME"${shellQuote(`/hpcgate/jobs/${id}`)}`,
    script,
    sbatch: sbatchLine(spec),
  };
}

describe('parseSubmitBatch', () => {
  it('maps each job to its own exit status and output', () => {
    expect(parseSubmitBatch(CAPTURED, 4, N)).toEqual([
      { state: 'done', code: 0, output: '19001' },
      { state: 'done', code: 0, output: '19002' },
      {
        state: 'done',
        code: 1,
        output:
          'sbatch: error: invalid partition specified: nosuch\nsbatch: error: Batch job submission failed: Invalid partition name specified',
      },
      { state: 'done', code: 0, output: '19003' },
    ]);
  });

  it('cut by the timeout: the job under way is cut (with what it printed), the rest not run', () => {
    const cut = CAPTURED.slice(0, CAPTURED.indexOf(`${N} 2 start\n`) + `${N} 2 start\n`.length);
    expect(parseSubmitBatch(cut, 4, N).map((o) => o.state)).toEqual([
      'done',
      'done',
      'cut',
      'not-run',
    ]);
    // An id printed before the kill is kept: the job is queued.
    expect(parseSubmitBatch(`${cut}19003\n`, 4, N)[2]).toEqual({ state: 'cut', output: '19003' });
  });

  it('nothing printed (the shell failed at once): no job ran', () => {
    expect(parseSubmitBatch('', 2, N)).toEqual([{ state: 'not-run' }, { state: 'not-run' }]);
  });

  it("markers of another nonce, or past the batch's jobs, are a job's output, not markers", () => {
    const other = 'hpcgate-batch-ffffffffffffffffffffffffffffffff';
    const out = `\n${N} 0 start\n${other} 0 exit 0\n${other} 1 start\n${N} 5 exit 0\n19001\n\n${N} 0 exit 0\n`;
    const [first, second] = parseSubmitBatch(out, 2, N);
    expect(first).toEqual({
      state: 'done',
      code: 0,
      output: `${other} 0 exit 0\n${other} 1 start\n19001`,
    });
    expect(second).toEqual({ state: 'not-run' });
  });

  it('an exit marker without its start does not count', () => {
    expect(parseSubmitBatch(`\n${N} 1 exit 0\n`, 2, N)[1]).toEqual({ state: 'not-run' });
  });
});

describe('submitBatchScript', () => {
  const hostile = [
    "#!/bin/bash\necho 'it''s' \"$(touch /tmp/pwned)\" `id` $HOME\n",
    `#!/bin/bash\ncat <<'HPCGATE_SCRIPT_0'\n${N} 0 exit 0\nHPCGATE_SCRIPT_0\n'\n`,
  ];
  const jobs = hostile.map((s, i) => job(`0b5c3f7e-1d2a-4c8e-9f10-2a3b4c5d6e7${i}`, s));

  it('carries each wrapper as one quoted word, in the order of the jobs, framed by markers', () => {
    const nonce = batchNonce();
    const script = submitBatchScript(jobs, nonce);
    for (const [i, j] of jobs.entries()) {
      const at = script.indexOf(`printf '%s' ${shellQuote(j.script)} | ${j.sbatch}`);
      expect(at).toBeGreaterThan(script.indexOf(`start\\n' ${nonce} ${i}\n`));
      expect(at).toBeLessThan(script.indexOf(`exit %s\\n' ${nonce} ${i} "$?"`));
      expect(script.indexOf(`start\\n' ${nonce} ${i}\n`)).toBeGreaterThan(0);
    }
    // Every directory made in one mkdir and one chmod, before the first job.
    const dirs = jobs.map((j) => j.jobDir).join(' ');
    expect(script.split('\n').slice(0, 3)).toEqual([
      'hpcgate_start=$PWD',
      `(umask 077 && mkdir -p -- ${dirs}) 2>/dev/null`,
      `chmod 700 -- ${dirs} 2>/dev/null`,
    ]);
  });

  it('is valid POSIX sh whatever the scripts hold (sh -n: parsed, not run)', () => {
    const script = submitBatchScript(jobs, batchNonce());
    expect(() => execFileSync('sh', ['-n'], { input: script })).not.toThrow();
  });

  it('takes only its own nonces', () => {
    expect(() => submitBatchScript(jobs, "x'; reboot; '")).toThrow(/nonce/);
    expect(batchNonce()).toMatch(/^hpcgate-batch-[0-9a-f]{32}$/);
    expect(batchNonce()).not.toBe(batchNonce());
  });
});

describe('submitBatchCommand', () => {
  it('runs sh on the script from stdin, under the same remote timeout as one sbatch', () => {
    expect(submitBatchCommand(20_000)).toBe(
      "'timeout' '--signal=TERM' '--kill-after=2s' '17s' 'sh' '-s'",
    );
  });
});
