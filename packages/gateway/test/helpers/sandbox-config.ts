import { parseConfig } from '../../src/config/load.js';
import type { ExecutionSystemConfig, GatewayConfig } from '../../src/config/schema.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './tokens.js';

/**
 * The execution system the tests drive: the sandbox cluster (or another real one) named by the
 * environment that `npm test` exports. Throws when it is not set: these tests never skip.
 */
export function sandboxSystem(
  overrides: Partial<ExecutionSystemConfig> = {},
): ExecutionSystemConfig {
  const { HPCGATE_SSH_HOST, HPCGATE_SSH_PORT, HPCGATE_SSH_USER, HPCGATE_SSH_KEY } = process.env;
  if (!HPCGATE_SSH_HOST || !HPCGATE_SSH_USER || !HPCGATE_SSH_KEY) {
    throw new Error(
      'HPCGATE_SSH_HOST/USER/KEY are not set: run the tests through `npm test`, which brings the ' +
        'sandbox cluster up and exports them (see README).',
    );
  }
  const config = parseConfig({
    auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksFile: '/unused' },
    systems: [
      {
        id: 'sandbox',
        host: HPCGATE_SSH_HOST,
        port: Number(HPCGATE_SSH_PORT ?? 22),
        user: HPCGATE_SSH_USER,
        privateKeyPath: HPCGATE_SSH_KEY,
        partitions: [process.env.HPCGATE_SLURM_PARTITION ?? 'debug'],
        finishedJobSource: 'jobcomp',
        pollFastMs: 200,
        pollIdleMs: 1_000,
      },
    ],
  });
  return { ...config.systems[0]!, ...overrides };
}

export function testConfig(
  systems: ExecutionSystemConfig[],
  jwksFile: string,
  sqlitePath = ':memory:',
): GatewayConfig {
  return parseConfig({
    logLevel: 'silent',
    auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksFile },
    store: { sqlitePath },
    systems,
  });
}
