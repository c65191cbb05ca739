import type { EscalationStep, StopMode } from '@hpcgate/sdk';
import { usage } from '../../errors.js';
import { shortTime } from './views.js';

/**
 * `jobs cancel --escalate 30s --escalate 60s:terminate`: the stronger stops the gateway sends if
 * Slurm still runs the job (docs/stopping.md#escalation). The rules are checked here as well as
 * by the gateway so that a bad plan is one usage error before anything is sent, rather than one
 * 400 per job named.
 */

/** The contract's STOP_MODE_STRENGTH, copied as states.ts copies its lists (no zod at startup). */
const STRENGTH: Record<StopMode, number> = {
  drain: -1,
  interrupt: 0,
  cancel: 1,
  'force-stop': 2,
  terminate: 3,
};
/** What a step may escalate to; exact by type, so a change in the contract fails typecheck. */
const TARGETS: Record<EscalationStep['to'], true> = {
  cancel: true,
  'force-stop': true,
  terminate: true,
};
/** `--escalate 30s` alone: the usual next step when a job ignores a polite stop. */
const DEFAULT_TARGET: EscalationStep['to'] = 'force-stop';
const MAX_STEPS = 3;
const MAX_SECONDS = 86_400;
const SECONDS_PER_UNIT = { s: 1, m: 60, h: 3600 } as const;
/** `30`, `30s`, `2m`, `1h`, each optionally `:<mode>`. */
const STEP = /^(\d+)([smh]?)(?::(.*))?$/;

const isTarget = (s: string): s is EscalationStep['to'] => Object.hasOwn(TARGETS, s);

/** The `--escalate` values (in order) as steps after `mode`; undefined when none was given. */
export function parseEscalation(
  values: readonly string[] | undefined,
  mode: StopMode,
): EscalationStep[] | undefined {
  if (!values?.length) return undefined;
  if (values.length > MAX_STEPS) {
    throw usage(`--escalate: at most ${MAX_STEPS} steps, not ${values.length}`);
  }
  const steps: EscalationStep[] = [];
  let before: StopMode = mode;
  for (const value of values) {
    const step = parseStep(value);
    if (STRENGTH[step.to] <= STRENGTH[before]) throw notStronger(value, step.to, before);
    steps.push(step);
    before = step.to;
  }
  return steps;
}

function parseStep(value: string): EscalationStep {
  const m = STEP.exec(value.trim().toLowerCase());
  if (!m) {
    throw usage(
      `--escalate takes a delay such as 30s, 2m or 45 (seconds), optionally with the mode to escalate to (30s:terminate), not "${value}"`,
    );
  }
  const unit = (m[2] || 's') as keyof typeof SECONDS_PER_UNIT;
  const afterSeconds = Number(m[1]) * SECONDS_PER_UNIT[unit];
  if (afterSeconds < 1 || afterSeconds > MAX_SECONDS) {
    throw usage(`--escalate ${value}: the delay must be from 1 s to 24 h`);
  }
  const to = m[3] ?? DEFAULT_TARGET;
  if (!isTarget(to)) {
    throw usage(
      `--escalate ${value}: a step escalates to ${Object.keys(TARGETS).join(', ')}, not "${to}"`,
    );
  }
  return { afterSeconds, to };
}

function notStronger(value: string, to: StopMode, before: StopMode) {
  if (before === 'terminate') {
    return usage(`--escalate ${value}: nothing is stronger than terminate, the stop it follows`);
  }
  const delay = value.split(':')[0];
  return usage(
    `--escalate ${value}: ${to} is not stronger than ${before}, the stop it follows; each step must be stronger (interrupt < cancel < force-stop < terminate), e.g. ${delay}:terminate`,
  );
}

/** `force-stop at 2026-11-23T10:00:30Z, then terminate 60 s later`: a plan as the job holds it. */
export function escalationText(plan: { steps: EscalationStep[]; dueAt: string }): string {
  const [first, ...rest] = plan.steps;
  if (!first) return 'no escalation';
  return [
    `${first.to} at ${shortTime(plan.dueAt)}`,
    ...rest.map((s) => `then ${s.to} ${s.afterSeconds} s later`),
  ].join(', ');
}
