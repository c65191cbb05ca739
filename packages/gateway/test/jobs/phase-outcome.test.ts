import { describe, expect, it } from 'vitest';
import { phaseTasks } from '../../src/jobs/phase-outcome.js';
import type { PhaseEvent } from '../../src/scheduler/job-files.js';
import { parsePhaseEvents } from '../../src/scheduler/slurm/parse-files.js';

const names = ['a', 'b', 'c'];
const at = (s: number) => new Date(s * 1000).toISOString();
const ev = (
  phase: number,
  kind: PhaseEvent['kind'],
  s: number,
  exitCode: number | null = null,
) => ({
  phase,
  kind,
  at: at(s),
  exitCode,
});

describe('parsePhaseEvents', () => {
  it('reads the wrapper record, skipping what is not a step', () => {
    const text =
      '1\tstart\t100\t\n1\tend\t101\t0\n2\tstart\t101\t\n2\tend\t103\t5\n3\tskip\t103\t\ngarbage\n';
    expect(parsePhaseEvents(text)).toEqual([
      ev(1, 'start', 100),
      ev(1, 'end', 101, 0),
      ev(2, 'start', 101),
      ev(2, 'end', 103, 5),
      ev(3, 'skip', 103),
    ]);
  });
});

describe('phaseTasks', () => {
  it('running: the started phase RUNNING, the rest PENDING', () => {
    const rows = phaseTasks(names, [ev(1, 'start', 1), ev(1, 'end', 2, 0), ev(2, 'start', 2)], {
      status: 'RUNNING',
      stopRequest: null,
    });
    expect(rows.map((r) => [r.index, r.name, r.status])).toEqual([
      [1, 'a', 'SUCCEEDED'],
      [2, 'b', 'RUNNING'],
      [3, 'c', 'PENDING'],
    ]);
  });

  it('over: a phase that never ended was killed, one never reached was skipped', () => {
    const stop = {
      mode: 'cancel' as const,
      requestedBy: 'alice',
      requestedAt: at(2),
      signalledAt: at(2),
      outcome: 'CONFIRMED' as const,
      message: null,
    };
    const rows = phaseTasks(names, [ev(1, 'start', 1), ev(1, 'end', 2, 0), ev(2, 'start', 2)], {
      status: 'CANCELLED',
      stopRequest: stop,
    });
    expect(rows.map((r) => r.status)).toEqual(['SUCCEEDED', 'CANCELED', 'SKIPPED']);
  });

  it('a failed phase is FAILED unless a stop (not a drain) ended the job', () => {
    const events = [ev(1, 'start', 1), ev(1, 'end', 2, 7), ev(2, 'skip', 2), ev(3, 'skip', 2)];
    expect(
      phaseTasks(names, events, { status: 'FAILED', stopRequest: null }).map((r) => r.status),
    ).toEqual(['FAILED', 'SKIPPED', 'SKIPPED']);
  });
});
