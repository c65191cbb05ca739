import { buildApp, type GatewayConfig, parseConfig } from '@hpcgate/gateway';
import type { FastifyInstance } from 'fastify';
import type { ClusterEnv } from './cluster-env.js';
import { AUDIENCE, ISSUER } from './tokens.js';

export interface RunningGateway {
  app: FastifyInstance;
  url: string;
  close(): Promise<void>;
}

export function gatewayConfigFor(env: ClusterEnv, jwksFile: string): GatewayConfig {
  return parseConfig({
    listen: { host: '127.0.0.1', port: 0 },
    logLevel: 'silent',
    auth: { issuer: ISSUER, audience: AUDIENCE, jwksFile },
    store: { sqlitePath: ':memory:' },
    systems: [
      {
        id: env.cluster,
        host: env.host,
        port: env.port,
        user: env.user,
        privateKeyPath: env.privateKeyPath,
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
