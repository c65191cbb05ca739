import { shellQuote } from './quote.js';

/** Paths under a system's jobs root as shell words: each job's directory, the gateway's own files. */

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * The job directory as one shell word: `~/` becomes "$HOME"/, `$NAME/` a variable that must be
 * set on the cluster, the rest (and the job id) quoted. The root's form is checked by the config
 * schema; the id is checked here, as it names a directory.
 */
export function jobDirWord(root: string, gatewayJobId: string): string {
  if (!UUID.test(gatewayJobId)) throw new Error(`not a job id: ${JSON.stringify(gatewayJobId)}`);
  return underRootWord(root, gatewayJobId);
}

/** A name of the gateway's own directly under the jobs root (the announcements file), as one word. */
export function underRootWord(root: string, name: string): string {
  const m = /^(~|\$([A-Za-z_][A-Za-z0-9_]*))?(\/.*)$/.exec(root);
  if (!m) throw new Error(`not a jobs root: ${JSON.stringify(root)}`);
  const head = m[1] === '~' ? '"$HOME"' : m[2] ? `"\${${m[2]}:?is not set on the cluster}"` : '';
  return `${head}${shellQuote(`${m[3]}/${name}`)}`;
}
