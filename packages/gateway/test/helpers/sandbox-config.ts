import { parseConfig } from '../../src/config/load.js';
import type { ExecutionSystemConfig, GatewayConfig } from '../../src/config/schema.js';

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
    systems: [
      {
        id: 'sandbox',
        host: HPCGATE_SSH_HOST,
        port: Number(HPCGATE_SSH_PORT ?? 22),
        user: HPCGATE_SSH_USER,
        privateKeyPath: HPCGATE_SSH_KEY,
        partitions: [process.env.HPCGATE_SLURM_PARTITION ?? 'debug'],
      },
    ],
  });
  return { ...config.systems[0]!, ...overrides };
}

export function testConfig(systems: ExecutionSystemConfig[]): GatewayConfig {
  return parseConfig({ logLevel: 'silent', systems });
}
