import { randomUUID } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type {
  PendingLogin,
  SessionStore,
  WebSessionRecord,
} from '../../../src/store/session-store.js';

/** A fresh, empty store; another one on the same data (a second gateway); closing them all. */
export interface SessionStoreHarness {
  store: SessionStore;
  another(): Promise<SessionStore>;
  /** Closes the store and every `another()`. */
  close(): Promise<void>;
}

const T0 = Date.parse('2026-11-23T10:00:00.000Z');
/** T0 plus `s` seconds, as the gateway writes times. */
const at = (s: number) => new Date(T0 + s * 1000).toISOString();

const login = (expiresIn = 600, over: Partial<PendingLogin> = {}): PendingLogin => ({
  idHash: randomUUID(),
  sealed: `sealed-${randomUUID()}`,
  expires: at(expiresIn),
  ...over,
});

const session = (
  username: string,
  createdAt: number,
  over: Partial<WebSessionRecord> = {},
): WebSessionRecord => ({
  idHash: randomUUID(),
  username,
  sealed: `sealed-${randomUUID()}`,
  created: at(createdAt),
  lastSeen: at(createdAt),
  expires: at(createdAt + 3600),
  ...over,
});

/** The behaviour every SessionStore must have, run against each implementation. */
export function describeSessionStore(
  name: string,
  makeStore: () => Promise<SessionStoreHarness>,
): void {
  describe(`SessionStore contract: ${name}`, () => {
    let harness: SessionStoreHarness;
    let store: SessionStore;
    beforeEach(async () => {
      harness = await makeStore();
      store = harness.store;
    });
    afterEach(async () => {
      await harness.close();
    });

    describe('pending logins', () => {
      it('gives a login back once, exactly as kept; nothing for an unknown one', async () => {
        const l = login();
        expect(await store.addLogin(l, 10, at(0))).toBe(true);
        expect(await store.takeLogin(l.idHash, at(1))).toEqual(l);
        expect(await store.takeLogin(l.idHash, at(1))).toBeUndefined();
        expect(await store.takeLogin(randomUUID(), at(1))).toBeUndefined();
        expect(await store.takeLogin('a\u0000b', at(1))).toBeUndefined();
      });

      it('an expired login is not given, and is gone (its end is the first moment it is expired)', async () => {
        const l = login(60);
        await store.addLogin(l, 10, at(0));
        expect(await store.takeLogin(l.idHash, at(60))).toBeUndefined();
        // Taking it removed it, expired or not.
        expect(await store.takeLogin(l.idHash, at(1))).toBeUndefined();
        const live = login(60);
        await store.addLogin(live, 10, at(0));
        expect(await store.takeLogin(live.idHash, at(59))).toEqual(live);
      });

      it('refuses a login past the bound, keeping nothing of it; expired ones make room first', async () => {
        const early = [login(10), login(10)];
        const late = login(1000);
        for (const l of [...early, late]) expect(await store.addLogin(l, 3, at(0))).toBe(true);
        const refused = login();
        expect(await store.addLogin(refused, 3, at(5))).toBe(false);
        expect(await store.takeLogin(refused.idHash, at(5))).toBeUndefined();
        // At 10 the two early ones have expired: they are purged, and two fit again.
        const more = [login(1000), login(1000)];
        for (const l of more) expect(await store.addLogin(l, 3, at(10))).toBe(true);
        expect(await store.addLogin(login(), 3, at(10))).toBe(false);
        // The purge removed the expired ones (not merely hid them): taken before their end
        // time, they are still gone.
        for (const l of early) expect(await store.takeLogin(l.idHash, at(0))).toBeUndefined();
        for (const l of [late, ...more]) expect(await store.takeLogin(l.idHash, at(11))).toEqual(l);
      });

      it('concurrent logins from two gateways at the bound: exactly the bound is kept', async () => {
        const other = await harness.another();
        const max = 5;
        const first = login();
        await store.addLogin(first, max, at(0));
        const tries = Array.from({ length: 24 }, () => login());
        const kept = await Promise.all(
          tries.map((l, i) => (i % 2 ? other : store).addLogin(l, max, at(1))),
        );
        expect(kept.filter(Boolean)).toHaveLength(max - 1);
        // Those refused were not stored; those kept were, once each.
        const taken = await Promise.all(tries.map((l) => store.takeLogin(l.idHash, at(2))));
        expect(taken.map((t) => t !== undefined)).toEqual(kept);
        expect(await other.takeLogin(first.idHash, at(2))).toEqual(first);
      });

      it('the same login taken twice at once, by two gateways: exactly one gets it', async () => {
        const other = await harness.another();
        for (let round = 0; round < 10; round++) {
          const l = login();
          await store.addLogin(l, 100, at(0));
          const got = await Promise.all([
            store.takeLogin(l.idHash, at(1)),
            other.takeLogin(l.idHash, at(1)),
          ]);
          expect(got.filter((g) => g !== undefined)).toEqual([l]);
        }
      });
    });

    describe('sessions', () => {
      it('gives a session back exactly as kept; nothing for an unknown one', async () => {
        const s = session('alice', 0);
        await store.addSession(s, 5);
        expect(await store.getSession(s.idHash)).toEqual(s);
        expect(await store.getSession(randomUUID())).toBeUndefined();
        expect(await store.getSession('a\u0000b')).toBeUndefined();
      });

      it('keeps the newest sessions of a user past the cap (ties by id hash), and no one else’s', async () => {
        const bob = session('bob', 0);
        await store.addSession(bob, 2);
        const a = [session('alice', 1), session('alice', 2), session('alice', 3)];
        for (const s of a) await store.addSession(s, 2);
        expect(await store.getSession(a[0]!.idHash)).toBeUndefined();
        expect(await store.getSession(a[1]!.idHash)).toEqual(a[1]);
        expect(await store.getSession(a[2]!.idHash)).toEqual(a[2]);
        expect(await store.getSession(bob.idHash)).toEqual(bob);
        // Two made at the same moment: the smaller id hash stays.
        const same = [
          session('carol', 5, { idHash: 'hash-b' }),
          session('carol', 5, { idHash: 'hash-a' }),
        ];
        for (const s of same) await store.addSession(s, 1);
        expect(await store.getSession('hash-a')).toEqual(same[1]);
        expect(await store.getSession('hash-b')).toBeUndefined();
      });

      it('an older session added past the cap is itself the one that goes', async () => {
        const newer = session('alice', 10);
        await store.addSession(newer, 1);
        const older = session('alice', 1);
        await store.addSession(older, 1);
        expect(await store.getSession(older.idHash)).toBeUndefined();
        expect(await store.getSession(newer.idHash)).toEqual(newer);
      });

      it('concurrent sign-ins of one user on two gateways: the cap holds, the newest stay', async () => {
        const other = await harness.another();
        const cap = 3;
        const all: WebSessionRecord[] = [];
        for (let round = 0; round < 8; round++) {
          const batch = Array.from({ length: 12 }, (_, i) => session('alice', round * 100 + i));
          all.push(...batch);
          // Not in time order, so that an older one may arrive last.
          await Promise.all(
            [...batch].reverse().map((s, i) => (i % 2 ? other : store).addSession(s, cap)),
          );
          const kept = await Promise.all(all.map((s) => store.getSession(s.idHash)));
          expect(kept.filter((k) => k !== undefined)).toEqual(all.slice(-cap));
        }
      });

      it('updates the sealed tokens and the last use; without new tokens keeps the old', async () => {
        const s = session('alice', 0);
        await store.addSession(s, 5);
        await store.updateSession(s.idHash, { sealed: 'resealed', lastSeen: at(30) });
        expect(await store.getSession(s.idHash)).toEqual({
          ...s,
          sealed: 'resealed',
          lastSeen: at(30),
        });
        await store.updateSession(s.idHash, { lastSeen: at(60) });
        expect(await store.getSession(s.idHash)).toEqual({
          ...s,
          sealed: 'resealed',
          lastSeen: at(60),
        });
        // An unknown one: nothing happens, nothing appears.
        const unknown = randomUUID();
        await store.updateSession(unknown, { sealed: 'x', lastSeen: at(60) });
        expect(await store.getSession(unknown)).toBeUndefined();
      });

      it('deletes one session only', async () => {
        const [a, b] = [session('alice', 0), session('alice', 1)];
        await store.addSession(a, 5);
        await store.addSession(b, 5);
        await store.deleteSession(a.idHash);
        await store.deleteSession(randomUUID());
        expect(await store.getSession(a.idHash)).toBeUndefined();
        expect(await store.getSession(b.idHash)).toEqual(b);
      });

      it('a session made on one gateway is served and ended on another', async () => {
        const other = await harness.another();
        const s = session('alice', 0);
        await store.addSession(s, 5);
        expect(await other.getSession(s.idHash)).toEqual(s);
        await other.deleteSession(s.idHash);
        expect(await store.getSession(s.idHash)).toBeUndefined();
      });
    });

    it('purgeExpired drops the sessions and logins whose end has come, and only those', async () => {
      const ended = session('alice', 0, { expires: at(100) });
      const live = session('alice', 1, { expires: at(101) });
      await store.addSession(ended, 5);
      await store.addSession(live, 5);
      const oldLogin = login(100);
      const newLogin = login(101);
      await store.addLogin(oldLogin, 10, at(0));
      await store.addLogin(newLogin, 10, at(0));
      await store.purgeExpired(at(100));
      expect(await store.getSession(ended.idHash)).toBeUndefined();
      expect(await store.getSession(live.idHash)).toEqual(live);
      // Gone, not merely expired: taken with an earlier clock it is still not there.
      expect(await store.takeLogin(oldLogin.idHash, at(0))).toBeUndefined();
      expect(await store.takeLogin(newLogin.idHash, at(0))).toEqual(newLogin);
    });
  });
}
