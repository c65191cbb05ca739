import { SchedulerUnavailableError } from '../errors.js';
import {
  type ExecOptions,
  type ExecResult,
  type RemoteProcess,
  SshConnection,
  type SshLogin,
  type SshSettings,
} from './ssh-connection.js';

export interface SshPoolSettings extends SshSettings {
  maxConnections: number;
  idleConnectionMs: number;
}

interface Entry {
  connection: SshConnection;
  /** Callers between getting the connection and starting their command: not to be closed. */
  reserved: number;
}

/**
 * One SSH connection per Unix account on one system, opened on first use and closed after
 * `idleConnectionMs` without a command. At most `maxConnections` at once: past that, the least
 * recently used idle connection is closed, or the caller waits for one to become idle.
 */
export class SshPool {
  private readonly entries = new Map<string, Entry>();
  private readonly waiters = new Set<() => void>();
  private readonly sweeper: NodeJS.Timeout;
  private commandsOfClosed = 0;
  private closed = false;

  constructor(
    private readonly settings: SshPoolSettings,
    private readonly warn: (message: string) => void = () => {},
  ) {
    const every = Math.min(Math.max(settings.idleConnectionMs / 2, 500), 30_000);
    this.sweeper = setInterval(() => this.closeIdle(), every);
    this.sweeper.unref();
  }

  /** Runs a command as `login.username`, on that account's connection. */
  async exec(login: SshLogin, command: string, options?: ExecOptions): Promise<ExecResult> {
    const entry = await this.entryFor(login);
    // exec takes its place on the connection before its first await: from here on the
    // connection counts as busy, not as reserved.
    const running = entry.connection.exec(command, options);
    entry.reserved--;
    return running;
  }

  /**
   * Starts a streamed command as `login.username` on a second connection of that account, kept
   * for streams: downloads and followed logs hold a channel for long, and must not take the
   * channels that the account's submits and stops need.
   */
  async stream(
    login: SshLogin,
    command: string,
    options?: { keepInput?: boolean },
  ): Promise<RemoteProcess> {
    const entry = await this.entryFor({ ...login, lane: 'streams' });
    const opening = entry.connection.stream(command, options);
    entry.reserved--;
    return opening;
  }

  /** Connections open (or opening) now, all accounts together. */
  get openConnections(): number {
    let n = 0;
    for (const { connection } of this.entries.values()) if (connection.open) n++;
    return n;
  }

  get maxConnections(): number {
    return this.settings.maxConnections;
  }

  /** Remote commands sent since start, over every connection this pool ever had. */
  get commandsSent(): number {
    let n = this.commandsOfClosed;
    for (const { connection } of this.entries.values()) n += connection.commandsSent;
    return n;
  }

  close(): void {
    this.closed = true;
    clearInterval(this.sweeper);
    for (const account of [...this.entries.keys()]) this.drop(account);
    for (const wake of this.waiters) wake();
  }

  /** Closes the connections unused for `idleConnectionMs`. */
  closeIdle(now = Date.now()): void {
    for (const [account, entry] of this.entries) {
      if (this.isIdle(entry) && now - entry.connection.lastUsed >= this.settings.idleConnectionMs) {
        this.drop(account);
      }
    }
  }

  private async entryFor(login: SshLogin): Promise<Entry> {
    const deadline = Date.now() + this.settings.commandTimeoutMs;
    for (;;) {
      if (this.closed) throw new SchedulerUnavailableError(this.settings.id, 'connection closed');
      const key = keyOf(login);
      const existing = this.entries.get(key);
      if (existing && existing.connection.login.privateKeyPath === login.privateKeyPath) {
        existing.reserved++;
        return existing;
      }
      if (existing) this.drop(key);
      if (this.entries.size < this.settings.maxConnections || this.evictOne()) {
        const entry: Entry = {
          connection: new SshConnection(this.settings, login, {
            onIdle: () => this.wakeWaiters(),
            warn: this.warn,
          }),
          reserved: 1,
        };
        this.entries.set(key, entry);
        return entry;
      }
      const left = deadline - Date.now();
      if (left <= 0) {
        throw new SchedulerUnavailableError(
          this.settings.id,
          `all ${this.settings.maxConnections} SSH connections to ${this.settings.id} are busy`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, left);
        function wake() {
          clearTimeout(timer);
          resolve();
        }
        this.waiters.add(wake);
      });
    }
  }

  /** Closes the least recently used idle connection; false when every one is busy. */
  private evictOne(): boolean {
    let oldest: [string, Entry] | undefined;
    for (const item of this.entries) {
      if (!this.isIdle(item[1])) continue;
      if (!oldest || item[1].connection.lastUsed < oldest[1].connection.lastUsed) oldest = item;
    }
    if (!oldest) return false;
    this.drop(oldest[0]);
    return true;
  }

  private isIdle(entry: Entry): boolean {
    return entry.reserved === 0 && !entry.connection.busy;
  }

  private drop(account: string): void {
    const entry = this.entries.get(account);
    if (!entry) return;
    this.entries.delete(account);
    this.commandsOfClosed += entry.connection.commandsSent;
    entry.connection.close();
  }

  private wakeWaiters(): void {
    const waiting = [...this.waiters];
    this.waiters.clear();
    for (const wake of waiting) wake();
  }
}

/** An account's connection for commands, and its second one for streams. */
function keyOf(login: SshLogin): string {
  return login.lane === 'streams' ? `${login.username}\u0000streams` : login.username;
}
