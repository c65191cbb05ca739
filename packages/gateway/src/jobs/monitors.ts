import type { PollResult } from '../scheduler/scheduler.js';
import type { PollTrigger } from './poll-trigger.js';
import type { SystemMonitor } from './system-monitor.js';

/** Every system's monitor, and the one way the request side pokes them. */
export class Monitors implements PollTrigger {
  private readonly bySystem = new Map<string, SystemMonitor>();

  add(systemId: string, monitor: SystemMonitor): void {
    this.bySystem.set(systemId, monitor);
  }

  get(systemId: string): SystemMonitor | undefined {
    return this.bySystem.get(systemId);
  }

  /** Whether this replica polls the system now (holds its poll lease). */
  polls(systemId: string): boolean {
    return this.bySystem.get(systemId)?.polling() ?? false;
  }

  trigger(systemId: string): void {
    this.bySystem.get(systemId)?.trigger();
  }

  hurry(systemId: string, jobIds?: readonly string[]): void {
    this.bySystem.get(systemId)?.hurry(jobIds);
  }

  refresh(systemId: string, jobIds?: readonly string[]): Promise<void> {
    return this.bySystem.get(systemId)?.refresh(jobIds) ?? Promise.resolve();
  }

  report(systemId: string, jobIds: readonly string[], result: PollResult): Promise<boolean> {
    return this.bySystem.get(systemId)?.report(jobIds, result) ?? Promise.resolve(false);
  }

  start(): void {
    for (const m of this.bySystem.values()) m.start();
  }

  async close(): Promise<void> {
    await Promise.all([...this.bySystem.values()].map((m) => m.close()));
  }
}
