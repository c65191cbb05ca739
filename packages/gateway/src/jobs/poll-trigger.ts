import type { PollResult } from '../scheduler/scheduler.js';

/**
 * How the request side asks a system's monitor to look soon, without calling the monitor (or
 * anything on the poll side) directly.
 */
export interface PollTrigger {
  /** Poll soon and keep polling fast for a while (a submit or a stop just happened). */
  trigger(systemId: string): void;
  /**
   * Poll very often for a few seconds: a job was just told to stop. With `jobIds`, those jobs
   * are the ones to look at closely (the monitor looks at them alone, often).
   */
  hurry(systemId: string, jobIds?: readonly string[]): void;
  /**
   * Resolves once a poll cycle that started after this call is done; with `jobIds`, a look at
   * those jobs alone is enough.
   */
  refresh(systemId: string, jobIds?: readonly string[]): Promise<void>;
  /**
   * What the scheduler said of these jobs just now (a stop's read-back), for the monitor to
   * judge as its own look at them. Resolves to false when this replica does not poll the system
   * (the caller then asks for a refresh).
   */
  report(systemId: string, jobIds: readonly string[], result: PollResult): Promise<boolean>;
}
