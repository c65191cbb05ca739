import { buildApp, type GatewayConfig, parseConfig } from '@hpcgate/gateway';
import type { FastifyInstance } from 'fastify';
import type { ClusterEnv } from './cluster-env.js';
import { AUDIENCE, ISSUER } from './tokens.js';

export interface RunningGateway {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

/**
 * The end-to-end callers and the sandbox's accounts: alice and bob by their own names (the dev
 * provider's users too), the others by this table, as a centre's config would name them.
 */
export const E2E_ACCOUNTS: Record<string, string> = {
  'readme-reader': 'demo',
  carla: 'carol',
  dan: 'bob',
  'hpcgate-automation': 'hpcbot',
};

/** A gateway on the cluster that trusts the tests' own signing key. */
export function gatewayConfigFor(env: ClusterEnv, jwksFile: string): GatewayConfig {
  return gatewayConfig(env, { auth: { issuer: ISSUER, audience: AUDIENCE, jwksFile } });
}

/** A gateway on the cluster with the given auth settings (and, say, a log file). */
export function gatewayConfig(
  env: ClusterEnv,
  options: { auth: Record<string, unknown>; logLevel?: string; logFile?: string },
): GatewayConfig {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: options.logLevel ?? 'silent',
    ...(options.logFile ? { logFile: options.logFile } : {}),
    auth: options.auth,
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
        accounts: { table: E2E_ACCOUNTS },
        partitions: [env.partition],
        finishedJobSource: 'jobcomp',
      },
    ],
  });
}

/** A real gateway listening on a free loopback port, driving the real cluster. */
export async function startGateway(config: GatewayConfig): Promise<RunningGateway> {
  const app = await buildApp(config);
  const url = await app.listen({ host: '127.0.0.1', port: 0 });
  return { app, url, close: () => app.close() };
}
