import type { JobFiles } from './job-files.js';

/**
 * What the gateway needs from a batch scheduler. The Slurm adapter is the only implementation;
 * nothing outside it knows Slurm's commands or output.
 */

/** What to run, as the user asked for it. */
export interface BatchJobSpec {
  /** The hpcgate id, carried by the remote job so that a restarted gateway can find it. */
  gatewayJobId: string;
  name: string;
  script: string | null;
  command: string | null;
  args: readonly string[];
  env: Readonly<Record<string, string>>;
  workingDir: string | null;
  partition: string | null;
  nodes: number | null;
  cpusPerTask: number | null;
  memoryMB: number | null;
  maxMinutes: number | null;
  /** A job array: one task per index (`indices` as Slurm writes them), at most `maxParallel` at once. */
  array: { indices: string; maxParallel?: number | undefined } | null;
  /** Phases run in order by the wrapper instead of one script (script and command are null). */
  phases: ReadonlyArray<{
    name: string;
    command?: string | undefined;
    script?: string | undefined;
  }> | null;
}

export type RemotePhase = 'queued' | 'running' | 'ended';
export type RemoteOutcome =
  | 'completed'
  | 'failed'
  | 'cancelled'
  | 'timeout'
  | 'out_of_memory'
  | 'node_fail'
  | 'preempted'
  | 'deadline'
  /** The wrapper's word for a phased job drained with phases left (see batch-script.ts). */
  | 'drained';

/** One remote job as the scheduler last described it. */
export interface RemoteJob {
  remoteJobId: string;
  /** The scheduler's own word for the state. */
  state: string;
  phase: RemotePhase;
  /** How it ended, once `phase` is `ended`. */
  outcome: RemoteOutcome | null;
  reason: string | null;
  exitCode: number | null;
  exitSignal: number | null;
  started: string | null;
  ended: string | null;
  /** The hpcgate id the job carries, where the listing shows it. */
  gatewayJobId: string | null;
  /** The Unix account the job runs as, where the listing shows it. */
  remoteUser: string | null;
  /** When Slurm accepted the job (its clock), where the listing shows it. */
  submitted: string | null;
  /** For a task of a job array, its index (`remoteJobId` is then the array's id); else null. */
  arrayTaskId: number | null;
}

/** A remote job to signal, and the hpcgate id it must carry: no other job is ever signalled. */
export interface SignalTarget {
  remoteJobId: string;
  gatewayJobId: string;
  /** Only these tasks of the array (Slurm's index list, `5-9`); the whole job without. */
  tasks?: string | undefined;
}

export interface SignalResult {
  /** When the signal was sent, by the cluster's clock. */
  sentAt: string;
  /** Targets whose remote id no longer carries their tag (or is unknown): nothing was sent them. */
  notThisJob: string[];
  /**
   * What the queue said of the signalled targets right after the signal, read in the same
   * command (see SignalOptions): as a poll of them would answer. Absent when it was not read, or
   * did not list every one of them under its id with its tag.
   */
  after?: PollResult;
}

export interface SignalOptions {
  /**
   * Read several targets back in the same command (`SignalResult.after`): one more listing of the
   * account's jobs, worth it when the caller would look right after. One target always is.
   */
  readBack?: boolean;
}

export interface PollResult {
  /** The jobs asked about that the scheduler's queue still lists (with their tags). */
  byId: Map<string, RemoteJob>;
  /**
   * Final records of asked-about jobs the queue no longer lists, every one in order: an id may
   * have several (a reused id), to be told apart by account and submit time.
   */
  records: RemoteJob[];
  /** Every job the scheduler lists with an hpcgate tag, by that tag (an array: one of its tasks). */
  byTag: Map<string, RemoteJob>;
  /**
   * The tasks of asked-about job arrays, by the array's id: those the queue lists, then final
   * records of the others (purged from the queue), each task once.
   */
  tasks: Map<string, RemoteJob[]>;
  /** How many remote commands this poll cost. */
  commands: number;
  /**
   * Why some asked-for ids may be missing from `byId` although the scheduler still has a record
   * (the finished-job source failed), or null when the answer is complete.
   */
  incomplete: string | null;
}

/** A job's wrapper said it started or ended: a hint to look at the job now. */
export interface Announcement {
  event: 'start' | 'end';
  gatewayJobId: string;
}

export interface PollOptions {
  /**
   * hpcgate ids of jobs whose remote id the gateway never learnt (a submission cut short): they
   * are looked for by their tag among the accounts' jobs (see Scheduler.poll).
   */
  tagged?: readonly string[];
}

/** The ways to stop a job that the scheduler itself carries out (`terminate` is the gateway's). */
export type SignalMode = 'cancel' | 'interrupt' | 'force-stop' | 'drain' | 'drain-phases';

/**
 * Every job is submitted and signalled as its own Unix account on the system (`account`), never
 * as a shared one; only reading the queue uses the gateway's own service account.
 */
export interface Scheduler {
  readonly systemId: string;
  /** The jobs' directories (each job runs in its own, which holds its stdout and stderr). */
  readonly files: JobFiles;
  /** Whether the gateway can act as this Unix account on the system (it holds its credential). */
  hasAccount(account: string): Promise<boolean>;
  /** Hands the job to the scheduler as `account` and resolves to its remote id. */
  submit(spec: BatchJobSpec, account: string): Promise<string>;
  /**
   * Sends the stop as `account`; resolves once the scheduler accepted it (not once the job
   * ended), with the time it was sent by the cluster's clock, which the scheduler's end times are
   * measured by.
   */
  signal(
    targets: readonly SignalTarget[],
    mode: SignalMode,
    account: string,
    options?: SignalOptions,
  ): Promise<SignalResult>;
  /** Refuses what the scheduler would run differently from what the gateway tracks. */
  check(spec: BatchJobSpec, allowedPartitions: readonly string[]): void;
  /**
   * The state of many jobs of the given accounts at once, in a constant number of remote
   * commands whatever the number of jobs and accounts. A job the queue no longer lists under its
   * id with its tag is looked for in the final records. `byTag` holds the jobs listed with a tag:
   * at least the asked-for ones and those of `tagged` that the accounts' jobs include.
   */
  poll(
    jobs: readonly SignalTarget[],
    accounts: readonly string[],
    options?: PollOptions,
  ): Promise<PollResult>;
  /**
   * Follows what the wrappers of these accounts' jobs announce (and no longer what others' do):
   * `onAnnounced` gets each announcement with the account it came from. Hints only: what a job
   * is stays what a poll says. May follow only the first so many accounts (each holds a
   * connection): name the accounts of the newest jobs first.
   */
  follow(
    accounts: readonly string[],
    onAnnounced: (announcement: Announcement, account: string) => void,
  ): void;
  /** One cheap round trip to the system; resolves to its latency in milliseconds. */
  ping(): Promise<number>;
  /** SSH connections open now, and the bound. */
  connections(): { open: number; max: number };
  /** Remote commands sent since start, counted where they are sent. */
  readonly commandsSent: number;
  close(): void;
}
