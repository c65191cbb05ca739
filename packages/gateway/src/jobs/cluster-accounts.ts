import type { AccountMapping } from '../config/schema.js';
import type { JobRecord } from '../store/job-store.js';
import type { Caller } from './caller.js';
import type { ExecutionSystem } from './execution-system.js';

/** A caller with no Unix account on a system: 403, never a fallback to a shared account. */
export class NoClusterAccountError extends Error {
  override name = 'NoClusterAccountError';
  constructor(
    readonly systemId: string,
    message: string,
  ) {
    super(message);
  }
}

const POSIX_USER = /^[a-z_][a-z0-9_-]{0,31}$/;
/** Never acted as, whatever the configuration says. */
const ALWAYS_DENIED = new Set(['root']);

export type AccountLookup =
  | { account: string; rule: 'table' | 'pattern' | 'claim' | 'sameName' }
  | { account: null; reason: string };

/**
 * The Unix account a caller's jobs run as on one system, by the system's mapping rules (see
 * `accountMappingSchema`): the first rule that gives an account decides, and the account must be
 * a plain POSIX name outside the deny list.
 */
export function lookUpAccount(mapping: AccountMapping, caller: Caller): AccountLookup {
  const found = firstRule(mapping, caller);
  if ('reason' in found) return { account: null, reason: found.reason };
  const { account, rule } = found;
  if (!POSIX_USER.test(account)) {
    return {
      account: null,
      reason: `the ${rule} rule gives "${account}", not a Unix account name`,
    };
  }
  if (ALWAYS_DENIED.has(account) || mapping.deny.includes(account)) {
    return { account: null, reason: `the account "${account}" is never used by the gateway` };
  }
  return { account, rule };
}

function firstRule(
  mapping: AccountMapping,
  caller: Caller,
): { account: string; rule: 'table' | 'pattern' | 'claim' | 'sameName' } | { reason: string } {
  const name = caller.username;
  if (Object.hasOwn(mapping.table, name)) return { account: mapping.table[name]!, rule: 'table' };
  if (caller.kind === 'client') {
    return { reason: "a client-credentials caller needs an entry in the system's accounts table" };
  }
  for (const { match, account } of mapping.patterns) {
    const m = new RegExp(match).exec(name);
    // The whole name must match: a pattern for "alice@example.org" says nothing of "alice@evil".
    if (m && m[0] === name) return { account: fill(account, m), rule: 'pattern' };
  }
  if (mapping.claim !== undefined) {
    const value = caller.claims?.[mapping.claim];
    if (typeof value === 'string') return { account: value, rule: 'claim' };
  }
  if (mapping.sameName) return { account: name, rule: 'sameName' };
  return { reason: 'no mapping rule names an account for this caller' };
}

/** `$1`…`$9` and `$<name>` from the match. */
function fill(template: string, m: RegExpExecArray): string {
  return template
    .replace(/\$<([A-Za-z_][A-Za-z0-9_]*)>/g, (_, g: string) => m.groups?.[g] ?? '')
    .replace(/\$([1-9])/g, (_, i: string) => m[Number(i)] ?? '');
}

/**
 * The account `caller` acts as on `system`: mapped by the system's rules, and with a credential
 * the gateway holds. Throws NoClusterAccountError (naming the system) otherwise.
 */
export async function clusterAccount(system: ExecutionSystem, caller: Caller): Promise<string> {
  const systemId = system.config.id;
  const found = lookUpAccount(system.config.accounts, caller);
  if (found.account === null) {
    throw new NoClusterAccountError(
      systemId,
      `${caller.username} has no account on ${systemId}: ${found.reason}`,
    );
  }
  // The service account reads everyone's queue; no caller acts as it, whatever the mapping says.
  if (found.account === system.config.user) {
    throw new NoClusterAccountError(
      systemId,
      `${caller.username} has no account on ${systemId}: ${found.account} is the gateway's own account there`,
    );
  }
  if (!(await system.scheduler.hasAccount(found.account))) {
    throw new NoClusterAccountError(
      systemId,
      `${caller.username} has no account on ${systemId}: the gateway holds no key for the Unix account ${found.account} there (not enrolled)`,
    );
  }
  return found.account;
}

/**
 * The account a job's own commands run as: the one it was submitted as. Jobs from before
 * per-user accounts ran as the service account, so that is where they are stopped.
 */
export function jobAccount(job: Pick<JobRecord, 'remoteUser'>, system: ExecutionSystem): string {
  return job.remoteUser ?? system.config.user;
}
