import type { Job, JobStatus } from '@hpcgate/contract';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { buildApp } from '../../src/app.js';
import type { ExecutionSystemConfig } from '../../src/config/schema.js';
import type { SshConnection } from '../../src/scheduler/slurm/ssh-connection.js';
import { clusterAs, clusterService, sandboxSystem, testConfig } from './sandbox-config.js';
import { createTestIssuer, type TestIssuer } from './tokens.js';

export interface Harness {
  app: FastifyInstance;
  issuer: TestIssuer;
  system: ExecutionSystemConfig;
  /**
   * A separate SSH connection for looking at the cluster behind the gateway's back, as the
   * gateway's service account (it sees every user's jobs, and acts on none).
   */
  cluster: SshConnection;
  /** A connection as one of the sandbox's Unix accounts (opened once, closed with the harness). */
  as(account: string): SshConnection;
  call(
    user: string,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: tests assert responses field by field
  ): Promise<{ status: number; body: any; headers: Record<string, unknown> }>;
  submit(user: string, body: Record<string, unknown>): Promise<Job>;
  waitFor(
    user: string,
    jobId: string,
    done: (job: Job) => boolean,
    timeoutMs?: number,
  ): Promise<Job>;
  /** Slurm's own view of one job: state, or '' when squeue no longer lists it. */
  squeueState(remoteJobId: string): Promise<string>;
  close(): Promise<void>;
}

/** A gateway on the real sandbox cluster, with an in-memory store and the tests' token issuer. */
export async function startHarness(
  overrides: Partial<ExecutionSystemConfig> = {},
  /** Gateway settings beyond the system's (`{ outputs: { periodicMs: 500 } }`, say). */
  gateway: Record<string, unknown> = {},
): Promise<Harness> {
  const issuer = await createTestIssuer();
  const system = sandboxSystem(overrides);
  const app = await buildApp(testConfig([system], issuer.jwksFile, ':memory:', gateway));
  const cluster = clusterService(system);
  const accounts = new Map<string, SshConnection>();
  const as = (account: string): SshConnection => {
    const open = accounts.get(account) ?? clusterAs(system, account);
    accounts.set(account, open);
    return open;
  };
  const submitted: string[] = [];
  const call: Harness['call'] = async (user, method, url, body) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${await issuer.token(user)}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, headers: res.headers };
  };
  const harness: Harness = {
    app,
    issuer,
    system,
    cluster,
    as,
    call,
    async submit(user, body) {
      const res = await call(user, 'POST', '/v3/jobs/submit', {
        execSystemId: system.id,
        ...body,
      });
      if (res.status !== 201)
        throw new Error(`submit answered ${res.status}: ${JSON.stringify(res.body)}`);
      submitted.push(res.body.id);
      return res.body as Job;
    },
    async waitFor(user, jobId, done, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const res = await call(user, 'GET', `/v3/jobs/${jobId}`);
        if (res.status !== 200) throw new Error(`GET job answered ${res.status}`);
        if (done(res.body)) return res.body as Job;
        if (Date.now() > deadline) {
          throw new Error(`job ${jobId} still ${res.body.status} after ${timeoutMs} ms`);
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    },
    async squeueState(remoteJobId) {
      const r = await cluster.exec(`squeue -h -j ${Number(remoteJobId)} -o %T`);
      return r.stdout.trim();
    },
    async close() {
      // A failed test must not leave its jobs running on the shared cluster.
      // Each job is cancelled as its own account: no other may.
      const leftovers = new Map<string, string[]>();
      for (const id of submitted) {
        const job = await app.store.get(id);
        if (job?.remoteJobId && job.remoteUser && !job.remoteDone) {
          leftovers.set(job.remoteUser, [
            ...(leftovers.get(job.remoteUser) ?? []),
            job.remoteJobId,
          ]);
        }
      }
      for (const [account, ids] of leftovers) await as(account).exec(`scancel ${ids.join(' ')}`);
      cluster.close();
      for (const c of accounts.values()) c.close();
      await app.close();
    },
  };
  return harness;
}

export const hasStatus =
  (...statuses: JobStatus[]) =>
  (job: Job): boolean =>
    statuses.includes(job.status);
