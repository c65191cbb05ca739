import type { EscalationStep, StopMode } from '@hpcgate/sdk';
import type { Argv } from 'yargs';
import { usage } from '../../errors.js';
import { parseEscalation } from './escalate.js';
import { STOP_MODES } from './states.js';

/** How `jobs cancel` is to stop: `--mode`, its shorthands `--drain` and `--interrupt`, `--escalate`. */
export const cancelFlags = <T>(y: Argv<T>) =>
  y
    // No yargs default: a default would look like a --mode given beside --drain.
    .option('mode', {
      choices: STOP_MODES,
      describe:
        'how to stop (default cancel; docs/stopping.md: cancel, interrupt, force-stop, terminate, drain)',
    })
    .option('drain', {
      type: 'boolean',
      describe: '--mode drain: start no new task of an array, let the running ones finish',
    })
    .option('interrupt', { type: 'boolean', describe: '--mode interrupt: SIGINT to the job' })
    .option('escalate', {
      type: 'string',
      array: true,
      nargs: 1,
      describe:
        'if Slurm still runs the job after this delay, stop it harder: 30s (force-stop), 2m:terminate; repeatable, each step stronger than the one before (at most 3)',
    })
    .option('tasks', {
      type: 'string',
      describe:
        'only these tasks of an array (5-9, 1,3): cancel or interrupt them, the others go on',
    });

export interface CancelFlagArgs {
  mode?: StopMode | undefined;
  drain?: boolean | undefined;
  interrupt?: boolean | undefined;
  escalate?: string[] | undefined;
  tasks?: string | undefined;
}

export interface StopSpec {
  mode: StopMode;
  escalate: EscalationStep[] | undefined;
  tasks: string | undefined;
}

/** The one mode the flags name (cancel when none does) and the escalation after it. */
export function stopFromFlags(args: CancelFlagArgs): StopSpec {
  const named = new Map<StopMode, string>();
  if (args.mode) named.set(args.mode, `--mode ${args.mode}`);
  if (args.drain) named.set('drain', '--drain');
  if (args.interrupt) named.set('interrupt', '--interrupt');
  // `--drain --mode drain` says one thing twice; only different modes clash.
  if (named.size > 1) {
    throw usage(`give one stop mode, not ${[...named.values()].join(' and ')}`);
  }
  const mode = [...named.keys()][0] ?? 'cancel';
  return { mode, escalate: parseEscalation(args.escalate, mode), tasks: args.tasks };
}
