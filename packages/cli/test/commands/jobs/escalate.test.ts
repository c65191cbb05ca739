import { cancelJobRequestSchema, STOP_MODES } from '@hpcgate/contract';
import { describe, expect, it } from 'vitest';
import { escalationText, parseEscalation } from '../../../src/commands/jobs/escalate.js';

describe('--escalate values', () => {
  it('none given: no escalation at all (nothing is sent)', () => {
    expect(parseEscalation(undefined, 'cancel')).toBeUndefined();
    expect(parseEscalation([], 'cancel')).toBeUndefined();
  });

  it('a delay alone escalates to force-stop; s, m, h or plain seconds; any case', () => {
    expect(parseEscalation(['30s'], 'interrupt')).toEqual([{ afterSeconds: 30, to: 'force-stop' }]);
    expect(parseEscalation(['45'], 'cancel')).toEqual([{ afterSeconds: 45, to: 'force-stop' }]);
    expect(parseEscalation(['2M'], 'drain')).toEqual([{ afterSeconds: 120, to: 'force-stop' }]);
    expect(parseEscalation(['1h:Terminate'], 'cancel')).toEqual([
      { afterSeconds: 3600, to: 'terminate' },
    ]);
  });

  it('steps in the order given, each after the one before', () => {
    expect(parseEscalation(['10s:cancel', '30s', '60s:terminate'], 'interrupt')).toEqual([
      { afterSeconds: 10, to: 'cancel' },
      { afterSeconds: 30, to: 'force-stop' },
      { afterSeconds: 60, to: 'terminate' },
    ]);
  });

  it.each([
    [['soon'], 'cancel', /takes a delay such as 30s, 2m or 45 \(seconds\).*not "soon"/],
    [['30 s'], 'cancel', /takes a delay/],
    [['1.5m'], 'cancel', /takes a delay/],
    [['0s'], 'cancel', /--escalate 0s: the delay must be from 1 s to 24 h/],
    [['25h'], 'cancel', /--escalate 25h: the delay must be from 1 s to 24 h/],
    [['30s:'], 'cancel', /escalates to cancel, force-stop, terminate, not ""/],
    [['30s:interrupt'], 'cancel', /escalates to cancel, force-stop, terminate, not "interrupt"/],
    [['30s:drain'], 'interrupt', /not "drain"/],
    [['30s:kill'], 'cancel', /not "kill"/],
  ])('%j after %s is refused: %s', (values, mode, message) => {
    expect(() => parseEscalation(values, mode as 'cancel')).toThrow(message);
  });

  it('each step must be stronger than the stop it follows', () => {
    expect(() => parseEscalation(['30s'], 'force-stop')).toThrow(
      /--escalate 30s: force-stop is not stronger than force-stop, the stop it follows.*e\.g\. 30s:terminate/,
    );
    expect(() => parseEscalation(['30s', '60s'], 'interrupt')).toThrow(
      /--escalate 60s: force-stop is not stronger than force-stop/,
    );
    expect(() => parseEscalation(['30s:force-stop', '60s:cancel'], 'interrupt')).toThrow(
      /--escalate 60s:cancel: cancel is not stronger than force-stop/,
    );
    expect(() => parseEscalation(['30s:terminate', '60s:terminate'], 'cancel')).toThrow(
      /--escalate 60s:terminate: nothing is stronger than terminate/,
    );
    expect(() => parseEscalation(['30s:terminate'], 'terminate')).toThrow(
      /nothing is stronger than terminate/,
    );
  });

  it('at most three steps', () => {
    expect(() => parseEscalation(['1s:cancel', '2s', '3s:terminate', '4s'], 'drain')).toThrow(
      /at most 3 steps, not 4/,
    );
  });

  it("accepts exactly the steps the contract accepts (the CLI's copy of the order is the same)", () => {
    const verdicts = STOP_MODES.flatMap((mode) =>
      STOP_MODES.map((to) => {
        const cli = (() => {
          try {
            parseEscalation([`30s:${to}`], mode);
            return true;
          } catch {
            return false;
          }
        })();
        const contract = cancelJobRequestSchema.safeParse({
          mode,
          escalate: { afterSeconds: 30, to },
        }).success;
        return { mode, to, cli, contract };
      }),
    );
    expect(verdicts.filter((v) => v.cli !== v.contract)).toEqual([]);
    // Not vacuous: some pairs are accepted and some refused.
    expect(new Set(verdicts.map((v) => v.cli))).toEqual(new Set([true, false]));
  });

  it("the job's plan in words: the next step's time, then the delays after it", () => {
    expect(
      escalationText({
        steps: [
          { afterSeconds: 30, to: 'force-stop' },
          { afterSeconds: 60, to: 'terminate' },
        ],
        dueAt: '2026-11-23T10:00:30.000Z',
      }),
    ).toBe('force-stop at 2026-11-23T10:00:30Z, then terminate 60 s later');
  });
});
