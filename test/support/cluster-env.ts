/** Connection settings of the Slurm cluster the end-to-end tests drive, from the environment. */
export interface ClusterEnv {
  host: string;
  port: number;
  user: string;
  privateKeyPath: string;
  /** The host's key fingerprints (`SHA256:…`), pinned by every connection. */
  hostKeys: string[];
  /** `<userKeysDir>/<account>`: the private key of each of the cluster's user accounts. */
  userKeysDir: string;
  cluster: string;
  partition: string;
}

const REQUIRED = [
  'HPCGATE_SSH_HOST',
  'HPCGATE_SSH_PORT',
  'HPCGATE_SSH_USER',
  'HPCGATE_SSH_KEY',
  'HPCGATE_SSH_HOST_KEYS',
  'HPCGATE_SSH_USER_KEYS',
];

/**
 * Reads the cluster settings that `scripts/sandbox.sh env` prints (or that point at an existing
 * cluster). Throws, never skips: a test that needs the cluster and cannot get it must fail.
 */
export function readClusterEnv(env: NodeJS.ProcessEnv = process.env): ClusterEnv {
  const missing = REQUIRED.filter((name) => !env[name]);
  if (missing.length > 0) {
    throw new Error(
      `The end-to-end tests need a Slurm cluster reachable over SSH, but ${missing.join(', ')} ` +
        'is not set. Run them through `npm test` (which brings the sandbox up), or ' +
        '`set -a; . <(bash scripts/sandbox.sh env); set +a` after `bash scripts/sandbox.sh up`.',
    );
  }
  return {
    host: env.HPCGATE_SSH_HOST!,
    port: Number(env.HPCGATE_SSH_PORT),
    user: env.HPCGATE_SSH_USER!,
    privateKeyPath: env.HPCGATE_SSH_KEY!,
    hostKeys: env.HPCGATE_SSH_HOST_KEYS!.split(',').filter(Boolean),
    userKeysDir: env.HPCGATE_SSH_USER_KEYS!,
    cluster: env.HPCGATE_CLUSTER ?? 'unknown',
    partition: env.HPCGATE_SLURM_PARTITION ?? 'debug',
  };
}
