import { leaseOf } from './readiness.js';
import type { ReplicaSet } from './replica-set.js';
import { eventually } from './util.js';

/**
 * The replica that holds the lease: the one whose /readyz says it holds it, named as the holder
 * by every live replica. Throws while they disagree, nobody holds it, or a replica reports no
 * leases (a gateway without coordination): call it inside a wait.
 */
export async function leaseHolder(set: ReplicaSet, name: string): Promise<number> {
  const live = [...Array(set.count).keys()].filter((i) => set.isUp(i));
  const views = await Promise.all(
    live.map(async (i) => ({ i, lease: leaseOf(await set.readyz(i), name) })),
  );
  const missing = views.filter((v) => v.lease === undefined).map((v) => set.ids[v.i]);
  if (missing.length > 0) throw new Error(`no lease ${name} in /readyz of ${missing.join(', ')}`);
  const holders = new Set(views.map((v) => v.lease!.holder));
  const claiming = views.filter((v) => v.lease!.heldHere).map((v) => v.i);
  if (holders.size !== 1 || claiming.length !== 1 || set.ids[claiming[0]!] !== [...holders][0]) {
    throw new Error(
      `the replicas disagree on ${name}: holders named ${JSON.stringify([...holders])}, ` +
        `held here by ${JSON.stringify(claiming.map((i) => set.ids[i]))}`,
    );
  }
  return claiming[0]!;
}

/**
 * After replica `killed` died at `since`: waits until another replica holds the lease `poll:<system>`
 * and has ended a poll cycle after `since`. Returns it and when that cycle ended (the new holder
 * is polling). Throws after `timeoutMs`; a bound on the takeover is the caller's to assert.
 */
export async function pollTakeover(
  set: ReplicaSet,
  {
    system,
    killed,
    since,
    timeoutMs,
  }: { system: string; killed: number; since: number; timeoutMs: number },
): Promise<{ replica: number; polledAt: number }> {
  return eventually(
    async () => {
      const replica = await leaseHolder(set, `poll:${system}`);
      if (replica === killed) throw new Error(`${set.ids[killed]} still holds poll:${system}`);
      const cycle = (await set.readyz(replica)).systems[system]?.lastPollCycle;
      const polledAt = cycle ? Date.parse(cycle.at) : 0;
      if (polledAt <= since) {
        throw new Error(`${set.ids[replica]} holds the lease but has not polled yet`);
      }
      return { replica, polledAt };
    },
    { timeoutMs, intervalMs: 50 },
  );
}
