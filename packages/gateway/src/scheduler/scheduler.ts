/**
 * What the gateway needs from a batch scheduler. The Slurm adapter is the only implementation;
 * nothing outside it knows Slurm's commands or output.
 */
export interface Scheduler {
  readonly systemId: string;
  /** One cheap round trip to the system; resolves to its latency in milliseconds. */
  ping(): Promise<number>;
  close(): void;
}
