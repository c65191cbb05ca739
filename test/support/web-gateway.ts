import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { buildApp, type GatewayConfig, parseConfig } from '@hpcgate/gateway';
import { Hpcgate, type Job } from '@hpcgate/sdk';
import type { FastifyInstance } from 'fastify';
import type { ClusterEnv } from './cluster-env.js';
import { E2E_ACCOUNTS } from './gateway.js';

/** The dev provider's public client for the web page (loopback redirect, any port). */
export const WEB_CLIENT_ID = 'hpcgate-web';

export interface WebGateway {
  op: DevOidcProvider;
  app: FastifyInstance;
  /** `http://127.0.0.1:<port>`: the page is at `/`. */
  url: string;
  /** An SDK client for one of the provider's users, with tokens from a real device-code grant. */
  sdk(username: string): Hpcgate;
  /** Remembers a job the test started, so that `close` stops it if it still runs. */
  track(username: string, job: Job): Job;
  /**
   * Cancels every tracked job that has not ended and waits until Slurm has ended it (a plain
   * cancel: SIGTERM, then SIGKILL after KillWait), then closes the gateway and the provider.
   */
  close(): Promise<void>;
}

/**
 * The Unix accounts the web tier's people run as: not alice's and bob's own, which the gateway's
 * tests use at the same time and count processes of (remote `tail -f` readers, say).
 */
export const WEB_ACCOUNTS = { alice: 'demo', bob: 'carol' } as const;

/**
 * The gateway's config for the web tier: sign-in through the dev provider (discovery), the web
 * page's client, and the sandbox as in support/gateway.ts, with alice and bob on WEB_ACCOUNTS.
 */
export function webGatewayConfig(
  env: ClusterEnv,
  issuer: string,
  options: { logLevel?: string; logFile?: string } = {},
): GatewayConfig {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: options.logLevel ?? 'silent',
    ...(options.logFile ? { logFile: options.logFile } : {}),
    auth: {
      issuer,
      discovery: true,
      audience: 'hpcgate',
      ownerClaim: 'preferred_username',
      adminClaim: 'groups',
      adminValue: 'hpcgate-admins',
    },
    // The tests sign in many times a minute from one address.
    web: { clientId: WEB_CLIENT_ID, loginLimit: { requestsPerMinute: 10_000, burst: 1_000 } },
    store: { sqlitePath: ':memory:' },
    systems: [
      {
        id: env.cluster,
        host: env.host,
        port: env.port,
        hostKey: { fingerprints: env.hostKeys },
        user: env.user,
        privateKeyPath: env.privateKeyPath,
        userKeysDir: env.userKeysDir,
        accounts: { table: { ...E2E_ACCOUNTS, ...WEB_ACCOUNTS } },
        partitions: [env.partition],
        finishedJobSource: 'jobcomp',
      },
    ],
  });
}

/** The dev OIDC provider and a real gateway serving the web page, both in this process. */
export async function startWebGateway(
  env: ClusterEnv,
  options: { logLevel?: string; logFile?: string } = {},
): Promise<WebGateway> {
  const op = await startDevOidcProvider({ port: 0 });
  let app: FastifyInstance;
  try {
    app = await buildApp(webGatewayConfig(env, op.issuer, options));
  } catch (err) {
    await op.close();
    throw err;
  }
  const url = await app.listen({ host: '127.0.0.1', port: 0 });

  // One token per user, renewed before it runs out (and when the gateway refuses it).
  const tokens = new Map<string, { token: string; until: number }>();
  const tokenOf = async (username: string, rejected: boolean): Promise<string> => {
    const held = tokens.get(username);
    if (held && !rejected && held.until > Date.now()) return held.token;
    const set = await op.tokenFor(username);
    tokens.set(username, {
      token: set.access_token,
      until: Date.now() + Math.max(set.expires_in - 60, 10) * 1000,
    });
    return set.access_token;
  };
  const clients = new Map<string, Hpcgate>();
  const sdk = (username: string): Hpcgate => {
    let client = clients.get(username);
    if (!client) {
      client = new Hpcgate({
        baseUrl: url,
        tokenProvider: (ctx) => tokenOf(username, ctx?.rejected !== undefined),
      });
      clients.set(username, client);
    }
    return client;
  };

  const tracked: { username: string; id: string }[] = [];
  const track = (username: string, job: Job): Job => {
    tracked.push({ username, id: job.id });
    return job;
  };

  const close = async (): Promise<void> => {
    const byUser = new Map<string, string[]>();
    for (const { username, id } of tracked) {
      byUser.set(username, [...(byUser.get(username) ?? []), id]);
    }
    const failures: string[] = [];
    await Promise.all(
      [...byUser].map(async ([username, ids]) => {
        const client = sdk(username);
        try {
          await client.jobs.stopJobs({ selector: { ids }, mode: 'cancel' });
          await Promise.all(
            ids.map((jobId) =>
              client.jobs.waitForJob({
                jobId,
                until: ['FINISHED', 'FAILED', 'CANCELLED'],
                timeoutMs: 30_000,
              }),
            ),
          );
        } catch (err) {
          failures.push(`${username}: ${(err as Error).message}`);
        }
      }),
    );
    await app.close();
    await op.close();
    if (failures.length > 0) {
      throw new Error(`cleaning up the web tests' jobs failed: ${failures.join('; ')}`);
    }
  };

  return { op, app, url, sdk, track, close };
}
