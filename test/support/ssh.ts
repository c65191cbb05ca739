import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'ssh2';
import type { ClusterEnv } from './cluster-env.js';

export interface ExecResult {
  code: number | null;
  signal: string | null;
  stdout: string;
  stderr: string;
}

/** A plain ssh2 connection for tests that talk to the cluster directly, beside the gateway. */
export class TestSsh {
  private constructor(private readonly client: Client) {}

  /** As the gateway's service account, or as one of the cluster's user accounts. */
  static connect(env: ClusterEnv, account?: string): Promise<TestSsh> {
    const client = new Client();
    const fingerprint = (key: Buffer) =>
      `SHA256:${createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
    return new Promise((resolve, reject) => {
      client
        // Without TCP_NODELAY every exec on an open connection waits ~45 ms for Nagle.
        .on('connect', () =>
          (client as unknown as { setNoDelay(on: boolean): void }).setNoDelay(true),
        )
        .on('ready', () => resolve(new TestSsh(client)))
        .on('error', reject)
        .connect({
          host: env.host,
          port: env.port,
          username: account ?? env.user,
          privateKey: readFileSync(account ? join(env.userKeysDir, account) : env.privateKeyPath),
          readyTimeout: 10_000,
          hostVerifier: (key: Buffer) => env.hostKeys.includes(fingerprint(key)),
        });
    });
  }

  exec(command: string, stdin?: string): Promise<ExecResult> {
    return new Promise((resolve, reject) => {
      this.client.exec(command, (err, stream) => {
        if (err) return reject(err);
        let stdout = '';
        let stderr = '';
        stream.on('data', (d: Buffer) => {
          stdout += d.toString('utf8');
        });
        stream.stderr.on('data', (d: Buffer) => {
          stderr += d.toString('utf8');
        });
        stream.on('close', (code: number | null, signal: string | null) =>
          resolve({ code, signal: signal ?? null, stdout, stderr }),
        );
        if (stdin !== undefined) stream.end(stdin);
        else stream.end();
      });
    });
  }

  /** Runs a command and returns its stdout, failing on a non-zero exit. */
  async run(command: string, stdin?: string): Promise<string> {
    const r = await this.exec(command, stdin);
    if (r.code !== 0) {
      throw new Error(`\`${command}\` exited ${r.code}: ${r.stderr.trim() || r.stdout.trim()}`);
    }
    return r.stdout;
  }

  close(): void {
    this.client.end();
  }
}
