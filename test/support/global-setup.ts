import { readClusterEnv } from './cluster-env.js';
import { TestSsh } from './ssh.js';

/** Fails the whole run at once, with the reason, when the cluster is not reachable. */
export default async function globalSetup(): Promise<void> {
  const env = readClusterEnv();
  let ssh: TestSsh;
  try {
    ssh = await TestSsh.connect(env);
  } catch (err) {
    throw new Error(
      `Cannot reach the Slurm cluster over SSH at ${env.user}@${env.host}:${env.port} ` +
        `(${(err as Error).message}). Is the sandbox up? Run \`bash scripts/sandbox.sh status\`.`,
    );
  }
  try {
    const r = await ssh.exec('sinfo -h -o %t');
    if (r.code !== 0) {
      throw new Error(`sinfo failed on the cluster (exit ${r.code}): ${r.stderr.trim()}`);
    }
  } finally {
    ssh.close();
  }
}
