import { readFile, stat } from 'node:fs/promises';
import type { Readable } from 'node:stream';
import { Client, type ClientChannel } from 'ssh2';
import type { ExecutionSystemConfig } from '../../config/schema.js';
import {
  SchedulerOutputTooLargeError,
  SchedulerTimeoutError,
  SchedulerUnavailableError,
} from '../errors.js';
import { type HostKeyVerdict, hostKeyCheck, type OfferedHostKey } from './host-keys.js';

export interface ExecOptions {
  stdin?: string;
  timeoutMs?: number;
}

/**
 * A remote command whose output is read as it comes: stdout as a stream (backpressure reaches
 * the remote side through the SSH window), stderr kept up to a few KiB for the error message.
 */
export interface RemoteProcess {
  readonly stdout: Readable;
  /** Resolves once the command ended (never rejects: a dropped connection ends it with code null). */
  readonly exit: Promise<{ code: number | null; signal: string | null; stderr: string }>;
  /** Ends the command's stdin (a command that waits on it then ends). */
  endInput(): void;
  /** Closes the channel at once. */
  close(): void;
}

/** stderr kept of a streamed command: enough for its error message. */
const STREAM_STDERR_BYTES = 8 * 1024;

export interface ExecResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Where and how to reach a system: the same for every account on it. */
export type SshSettings = Pick<
  ExecutionSystemConfig,
  | 'id'
  | 'host'
  | 'port'
  | 'hostKey'
  | 'maxChannels'
  | 'commandTimeoutMs'
  | 'maxOutputBytes'
  | 'connectTimeoutMs'
>;

/** The Unix account a connection logs in as, and the private key that proves it. */
export interface SshLogin {
  username: string;
  privateKeyPath: string;
  /** Which of the account's connections: the one for commands (default) or for streams. */
  lane?: 'commands' | 'streams';
}

export interface SshConnectionHooks {
  /** Told each time the last command under way ends: the pool may close an idle connection. */
  onIdle?: () => void;
  /** Warnings about the connection (a host key accepted without a check). */
  warn?: (message: string) => void;
}

const BACKOFF_MIN_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/**
 * One long-lived SSH connection to an execution system as one Unix account, with commands
 * multiplexed as exec channels. Connects lazily, verifies the host key, reconnects with backoff
 * after a drop, bounds the channels open at once, and puts a timeout and an output cap on every
 * command.
 */
export class SshConnection {
  private client: Client | null = null;
  private connecting: Promise<Client> | null = null;
  private nextAttemptAt = 0;
  private backoffMs = BACKOFF_MIN_MS;
  private active = 0;
  private readonly waiters: Array<() => void> = [];
  private closed = false;
  private readonly checkHostKey: (blob: Buffer) => HostKeyVerdict;
  /** Counts commands sent, so tests and benchmarks can see how many a poll cycle costs. */
  commandsSent = 0;
  /** When the last command ended (or the connection was made): for closing idle connections. */
  lastUsed = Date.now();

  constructor(
    private readonly settings: SshSettings,
    readonly login: SshLogin,
    private readonly hooks: SshConnectionHooks = {},
  ) {
    this.checkHostKey = hostKeyCheck(settings.hostKey, settings.host, settings.port);
  }

  /** Commands under way or waiting for a channel. */
  get busy(): boolean {
    return this.active > 0;
  }

  /** Connected, or connecting. */
  get open(): boolean {
    return this.client !== null || this.connecting !== null;
  }

  /** Runs one command line on the remote shell. The caller quotes every argument. */
  async exec(command: string, options: ExecOptions = {}): Promise<ExecResult> {
    await this.acquireChannel();
    try {
      const client = await this.connected();
      this.commandsSent++;
      return await this.runOnChannel(client, command, options);
    } finally {
      this.releaseChannel();
    }
  }

  /**
   * Starts one command line whose stdout is streamed, holding one channel of the connection
   * until the command ends. Its stdin stays open until `endInput()` unless `keepInput` is false.
   * Only opening the channel is timed: the caller decides how long a stream may last.
   */
  async stream(command: string, { keepInput = false } = {}): Promise<RemoteProcess> {
    await this.acquireChannel();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      this.releaseChannel();
    };
    try {
      const client = await this.connected();
      this.commandsSent++;
      const channel = await this.openChannel(client, command);
      const stderr: Buffer[] = [];
      let stderrBytes = 0;
      channel.stderr.on('data', (chunk: Buffer) => {
        if (stderrBytes >= STREAM_STDERR_BYTES) return;
        stderr.push(chunk);
        stderrBytes += chunk.length;
      });
      const exit = new Promise<{ code: number | null; signal: string | null; stderr: string }>(
        (resolve) => {
          let code: number | null = null;
          let signal: string | null = null;
          channel.on('exit', (c: number | null, s?: string) => {
            code = c ?? null;
            signal = s ?? null;
          });
          channel.on('close', () => {
            release();
            resolve({ code, signal, stderr: Buffer.concat(stderr).toString('utf8') });
          });
        },
      );
      if (!keepInput) channel.end();
      return {
        stdout: channel,
        exit,
        endInput: () => channel.end(),
        close: () => channel.close(),
      };
    } catch (err) {
      release();
      throw err;
    }
  }

  close(): void {
    this.closed = true;
    this.client?.end();
    this.client = null;
  }

  /** Opens an exec channel, within the command timeout (a half-open connection is dropped). */
  private openChannel(client: Client, command: string): Promise<ClientChannel> {
    const { id, commandTimeoutMs } = this.settings;
    return new Promise((resolve, reject) => {
      let done = false;
      const timer = setTimeout(() => {
        done = true;
        this.drop(client);
        reject(new SchedulerTimeoutError(id, `no SSH channel within ${commandTimeoutMs} ms`));
      }, commandTimeoutMs);
      client.exec(command, (err, channel) => {
        clearTimeout(timer);
        if (done) {
          if (!err) channel.close();
          return;
        }
        if (err)
          reject(new SchedulerUnavailableError(id, `cannot open an SSH channel: ${err.message}`));
        else resolve(channel);
      });
    });
  }

  private async acquireChannel(): Promise<void> {
    if (this.active < this.settings.maxChannels) {
      this.active++;
      return;
    }
    await new Promise<void>((resolve) => this.waiters.push(resolve));
  }

  private releaseChannel(): void {
    this.lastUsed = Date.now();
    const next = this.waiters.shift();
    if (next) next();
    else if (--this.active === 0) this.hooks.onIdle?.();
  }

  private connected(): Promise<Client> {
    if (this.closed) {
      return Promise.reject(new SchedulerUnavailableError(this.settings.id, 'connection closed'));
    }
    if (this.client) return Promise.resolve(this.client);
    if (!this.connecting) {
      this.connecting = this.connectWithBackoff().finally(() => {
        this.connecting = null;
      });
    }
    return this.connecting;
  }

  private async connectWithBackoff(): Promise<Client> {
    const wait = this.nextAttemptAt - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    if (this.closed) throw new SchedulerUnavailableError(this.settings.id, 'connection closed');
    try {
      const client = await this.openClient();
      this.backoffMs = BACKOFF_MIN_MS;
      this.nextAttemptAt = 0;
      return client;
    } catch (err) {
      this.nextAttemptAt = Date.now() + this.backoffMs;
      this.backoffMs = Math.min(this.backoffMs * 2, BACKOFF_MAX_MS);
      throw err;
    }
  }

  private async openClient(): Promise<Client> {
    const { id, host, port, connectTimeoutMs } = this.settings;
    const { username } = this.login;
    const privateKey = await this.readKey();
    const client = new Client();
    let refusedHostKey: OfferedHostKey | null = null;
    return new Promise<Client>((resolve, reject) => {
      let settled = false;
      client.on('connect', () => {
        // ssh2 has no option for it; without TCP_NODELAY each exec waits ~45 ms (Nagle + delayed ACK).
        (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true);
      });
      client.on('ready', () => {
        settled = true;
        if (this.closed) {
          // close() came while we were connecting: do not leave a live connection behind.
          client.end();
          reject(new SchedulerUnavailableError(id, 'connection closed'));
          return;
        }
        this.client = client;
        this.lastUsed = Date.now();
        resolve(client);
      });
      client.on('error', (err: Error & { code?: string; level?: string }) => {
        if (settled) return;
        settled = true;
        // Messages name the system, never user@host:port: they reach /healthz and clients.
        const why = refusedHostKey
          ? `host key not trusted: the server offered ${refusedHostKey.type} ${refusedHostKey.fingerprint}, which the system's hostKey setting does not list; no command was sent`
          : err.level === 'client-authentication'
            ? `the account ${username} was refused (its key is not authorized there)`
            : (err.code ?? err.message);
        reject(new SchedulerUnavailableError(id, `cannot connect to ${id}: ${why}`));
      });
      client.on('close', () => {
        if (this.client === client) this.client = null;
        if (!settled) {
          settled = true;
          reject(
            new SchedulerUnavailableError(id, `connection to ${id} closed during the handshake`),
          );
        }
      });
      client.connect({
        host,
        port,
        username,
        privateKey,
        readyTimeout: connectTimeoutMs,
        keepaliveInterval: 15_000,
        keepaliveCountMax: 3,
        // Checked before authentication: a wrong key never receives a key proof or a command.
        hostVerifier: (blob: Buffer) => {
          const verdict = this.checkHostKey(blob);
          if (!verdict.trusted) refusedHostKey = verdict;
          else if (this.settings.hostKey === 'insecure-accept-any') {
            this.hooks.warn?.(
              `${id}: host key ${verdict.type} ${verdict.fingerprint} accepted WITHOUT verification (hostKey: insecure-accept-any)`,
            );
          }
          return verdict.trusted;
        },
      });
    });
  }

  /** The account's private key; refused when other users could read it, as ssh refuses it. */
  private async readKey(): Promise<Buffer> {
    const { id } = this.settings;
    const { username, privateKeyPath } = this.login;
    try {
      const info = await stat(privateKeyPath);
      if ((info.mode & 0o077) !== 0) {
        throw new SchedulerUnavailableError(
          id,
          `the private key for ${username} on ${id} is readable by other users (mode ${(info.mode & 0o777).toString(8)}): make it 0600`,
        );
      }
      return await readFile(privateKeyPath);
    } catch (err) {
      if (err instanceof SchedulerUnavailableError) throw err;
      // The path is configuration, not a secret; the key's content never leaves this function.
      throw new SchedulerUnavailableError(
        id,
        `cannot read the private key for ${username} on ${id} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      );
    }
  }

  private runOnChannel(client: Client, command: string, options: ExecOptions): Promise<ExecResult> {
    const { id, maxOutputBytes } = this.settings;
    const timeoutMs = options.timeoutMs ?? this.settings.commandTimeoutMs;
    return new Promise<ExecResult>((resolve, reject) => {
      let stream: ClientChannel | null = null;
      let done = false;
      const finish = (outcome: () => void) => {
        if (done) return;
        done = true;
        clearTimeout(timer);
        outcome();
      };
      // The clock starts before the channel opens: a half-open connection must time out too,
      // and is then dropped so that the next command reconnects.
      const timer = setTimeout(() => {
        finish(() =>
          reject(new SchedulerTimeoutError(id, `command timed out after ${timeoutMs} ms`)),
        );
        if (stream) stream.close();
        else this.drop(client);
      }, timeoutMs);
      client.exec(command, (err, channel) => {
        if (err) {
          // One refused channel (sshd's MaxSessions, say) does not make the connection unusable.
          finish(() =>
            reject(new SchedulerUnavailableError(id, `cannot open an SSH channel: ${err.message}`)),
          );
          return;
        }
        if (done) {
          channel.close();
          return;
        }
        stream = channel;
        const stdout: Buffer[] = [];
        const stderr: Buffer[] = [];
        let size = 0;
        const collect = (into: Buffer[]) => (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxOutputBytes) {
            finish(() =>
              reject(
                new SchedulerOutputTooLargeError(
                  id,
                  `command output exceeded ${maxOutputBytes} bytes`,
                ),
              ),
            );
            channel.close();
            return;
          }
          into.push(chunk);
        };
        channel.on('data', collect(stdout));
        channel.stderr.on('data', collect(stderr));
        channel.on('close', (code: number | null | undefined, signal: string | undefined) =>
          finish(() =>
            (code === null || code === undefined) && !signal
              ? // Neither exit status nor signal: the connection dropped under the command, whose
                // outcome is unknown.
                reject(
                  new SchedulerUnavailableError(
                    id,
                    'the connection dropped before the command finished',
                  ),
                )
              : resolve({
                  code: code ?? null,
                  stdout: Buffer.concat(stdout).toString('utf8'),
                  stderr: Buffer.concat(stderr).toString('utf8'),
                }),
          ),
        );
        channel.end(options.stdin);
      });
    });
  }

  private drop(client: Client): void {
    if (this.client === client) this.client = null;
    client.end();
  }
}
