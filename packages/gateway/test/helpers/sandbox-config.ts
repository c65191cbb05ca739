import { join } from 'node:path';
import { parseConfig } from '../../src/config/load.js';
import type { ExecutionSystemConfig, GatewayConfig } from '../../src/config/schema.js';
import { SshConnection } from '../../src/scheduler/slurm/ssh-connection.js';
import { TEST_AUDIENCE, TEST_ISSUER } from './tokens.js';

/**
 * The tests' callers and the sandbox's Unix accounts (alice, bob, carol, demo, hpcbot): alice,
 * bob and carol by their own names, the other test callers by this table. A caller not named
 * here and not an account has no account (403 NO_CLUSTER_ACCOUNT), as in production.
 */
export const TEST_ACCOUNTS: Record<string, string> = {
  erin: 'carol',
  mallory: 'bob',
  dave: 'carol',
  rita: 'carol',
  olga: 'carol',
  dan: 'carol',
  carla: 'carol',
  ada: 'carol',
  'root-ada': 'carol',
  bench: 'alice',
  'someone-else': 'bob',
  'f3b0c-only-sub': 'carol',
  'hpcgate-automation': 'hpcbot',
};

/** Tests that make a fresh caller per run (`bulk-<time>`, …) run as carol. */
export const TEST_ACCOUNT_PATTERNS = [{ match: '^(bulk|idem|lister)-[0-9]+$', account: 'carol' }];

/**
 * The execution system the tests drive: the sandbox cluster (or another real one) named by the
 * environment that `npm test` exports. Throws when it is not set: these tests never skip.
 */
export function sandboxSystem(
  overrides: Partial<ExecutionSystemConfig> = {},
): ExecutionSystemConfig {
  const {
    HPCGATE_SSH_HOST,
    HPCGATE_SSH_PORT,
    HPCGATE_SSH_USER,
    HPCGATE_SSH_KEY,
    HPCGATE_SSH_HOST_KEYS,
    HPCGATE_SSH_USER_KEYS,
  } = process.env;
  if (
    !HPCGATE_SSH_HOST ||
    !HPCGATE_SSH_USER ||
    !HPCGATE_SSH_KEY ||
    !HPCGATE_SSH_HOST_KEYS ||
    !HPCGATE_SSH_USER_KEYS
  ) {
    throw new Error(
      'HPCGATE_SSH_HOST/USER/KEY/HOST_KEYS/USER_KEYS are not set: run the tests through ' +
        '`npm test`, which brings the sandbox cluster up and exports them (see README).',
    );
  }
  const config = parseConfig({
    auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksFile: '/unused' },
    systems: [
      {
        id: 'sandbox',
        host: HPCGATE_SSH_HOST,
        port: Number(HPCGATE_SSH_PORT ?? 22),
        hostKey: { fingerprints: HPCGATE_SSH_HOST_KEYS.split(',').filter(Boolean) },
        user: HPCGATE_SSH_USER,
        privateKeyPath: HPCGATE_SSH_KEY,
        userKeysDir: HPCGATE_SSH_USER_KEYS,
        accounts: { table: TEST_ACCOUNTS, patterns: TEST_ACCOUNT_PATTERNS },
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
  /** More settings (outputs, webhooks…), as a config file would give them. */
  extra: Record<string, unknown> = {},
): GatewayConfig {
  return parseConfig({
    logLevel: 'silent',
    auth: { issuer: TEST_ISSUER, audience: TEST_AUDIENCE, jwksFile },
    store: { sqlitePath },
    systems,
    ...extra,
  });
}

/** A connection to the cluster as one of its Unix accounts, behind the gateway's back. */
export function clusterAs(system: ExecutionSystemConfig, account: string): SshConnection {
  return new SshConnection(system, {
    username: account,
    privateKeyPath: join(system.userKeysDir, account),
  });
}

/** A connection as the gateway's service account (sees every user's jobs). */
export function clusterService(system: ExecutionSystemConfig): SshConnection {
  return new SshConnection(system, {
    username: system.user,
    privateKeyPath: system.privateKeyPath,
  });
}
