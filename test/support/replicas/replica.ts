import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');
export const SERVER = join(repoRoot, 'packages/gateway/dist/server.js');
const READY_TIMEOUT_MS = 60_000;
/** SIGTERM's grace before SIGKILL in close(): the gateway drains requests and SSH first. */
const STOP_GRACE_MS = 10_000;

const tail = (path: string, lines = 20): string =>
  existsSync(path) ? readFileSync(path, 'utf8').trimEnd().split('\n').slice(-lines).join('\n') : '';

/** A gateway child process on a fixed port and config; it can be killed and started again. */
export class Replica {
  private child: ChildProcess | null = null;
  private exited: Promise<void> = Promise.resolve();
  /** Exits nobody asked for (a crash), with their code or signal: close() reports them. */
  readonly crashes: string[] = [];

  constructor(
    readonly id: string,
    readonly port: number,
    readonly configPath: string,
    readonly logFile: string,
    /** The process's own stdout and stderr (a crash's stack, a config error). */
    readonly outputFile: string,
  ) {}

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get up(): boolean {
    return this.child !== null;
  }

  /** Spawns the process and resolves once `/readyz` answers 200. */
  async start(): Promise<void> {
    if (this.child) throw new Error(`replica ${this.id} is already running`);
    const out = openSync(this.outputFile, 'a');
    const child = spawn(process.execPath, [SERVER, this.configPath], {
      stdio: ['ignore', out, out],
    });
    closeSync(out);
    this.child = child;
    this.exited = new Promise((done) => {
      child.once('exit', (code, signal) => {
        if (this.child === child) {
          this.crashes.push(`${this.id} exited by itself (${signal ?? `code ${code}`})`);
          this.child = null;
        }
        done();
      });
    });
    try {
      await this.waitReady();
    } catch (err) {
      await this.signal('SIGKILL');
      throw err;
    }
  }

  private async waitReady(): Promise<void> {
    const deadline = Date.now() + READY_TIMEOUT_MS;
    let last = 'no answer yet';
    while (Date.now() < deadline) {
      if (!this.child) break;
      try {
        const res = await fetch(`${this.url}/readyz`, { signal: AbortSignal.timeout(5_000) });
        if (res.status === 200) return;
        last = `${res.status} ${await res.text()}`;
      } catch (err) {
        last = (err as Error).message;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(
      `replica ${this.id} (${this.url}) was not ready within ${READY_TIMEOUT_MS} ms: ${last}\n` +
        `--- its output (${this.outputFile}):\n${tail(this.outputFile)}\n` +
        `--- its log (${this.logFile}):\n${tail(this.logFile)}`,
    );
  }

  /** Sends the signal and resolves once the process is gone. */
  async signal(signal: NodeJS.Signals): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill(signal);
    await this.exited;
  }

  /** SIGTERM (the gateway closes cleanly), then SIGKILL after a bound. */
  async stop(): Promise<void> {
    const child = this.child;
    if (!child) return;
    this.child = null;
    child.kill('SIGTERM');
    let timer: NodeJS.Timeout | undefined;
    const killed = new Promise<void>((done) => {
      timer = setTimeout(() => {
        child.kill('SIGKILL');
        done();
      }, STOP_GRACE_MS);
    });
    await Promise.race([this.exited, killed]);
    clearTimeout(timer);
    await this.exited;
  }

  /** For the process's `exit` hook: no await possible there. */
  killNow(): void {
    this.child?.kill('SIGKILL');
  }
}
