import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { TOKEN, useNock } from '../../fixtures.js';
import {
  claimsOf,
  envFor,
  expectNoSecrets,
  fileMode,
  freshDir,
  letLoopbackThrough,
  listJobsRecording,
  readStored,
  run,
  type StoredConfig,
  writeStored,
} from './helpers.js';

useNock();
letLoopbackThrough();
// The tests expire a sign-in by dating its saved access token in the past (what the CLI goes by),
// not by waiting for a short-lived token: a loaded machine made every such wait a race.
let op: DevOidcProvider;
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0 });
});
afterAll(() => op.close());

/** A profile signed in as `username` through a real device grant, as `hpcgate login` saves it. */
async function signedIn(dir: string, username: string): Promise<StoredConfig> {
  const tokens = await op.tokenFor(username);
  const config: StoredConfig = {
    defaultProfile: 'default',
    profiles: { default: { issuer: op.issuer, token: TOKEN } },
    signIns: {
      default: {
        grant: 'device',
        issuer: op.issuer,
        clientId: op.deviceClient!.clientId,
        refreshToken: tokens.refresh_token!,
        accessToken: tokens.access_token,
        accessTokenExpiresAt: new Date(Date.now() + tokens.expires_in * 1000).toISOString(),
      },
    },
  };
  await writeStored(dir, config);
  return config;
}

/** The saved sign-in's access token, as the CLI sees it, now expired. */
async function expire(dir: string): Promise<void> {
  const stored = await readStored(dir);
  const signIn = stored.signIns!.default!;
  await writeStored(dir, {
    ...stored,
    signIns: {
      default: { ...signIn, accessTokenExpiresAt: new Date(Date.now() - 1000).toISOString() },
    },
  });
}

describe('a stored sign-in', () => {
  it('is sent while fresh; once expired it is refreshed and the rotated tokens are saved (0600)', async () => {
    const dir = await freshDir();
    const env = envFor(dir);
    const first = await signedIn(dir, 'alice');
    const firstSignIn = first.signIns!.default!;
    const seen: string[] = [];
    listJobsRecording(seen);
    expect((await run(['jobs', 'list'], env)).code).toBe(ExitCode.OK);
    // The sign-in wins over the profile's static token.
    expect(seen).toEqual([`Bearer ${firstSignIn.accessToken}`]);

    await expire(dir);
    listJobsRecording(seen);
    const r = await run(['jobs', 'list'], env);
    expect(r.code).toBe(ExitCode.OK);
    const renewed = seen[1]!.replace(/^Bearer /, '');
    expect(renewed).not.toBe(firstSignIn.accessToken);
    expect(claimsOf(renewed)).toMatchObject({ preferred_username: 'alice', iss: op.issuer });

    const after = await readStored(dir);
    const signIn = after.signIns!.default!;
    expect(signIn.accessToken).toBe(renewed);
    expect(signIn.refreshToken).toEqual(expect.any(String));
    expect(signIn.refreshToken).not.toBe(firstSignIn.refreshToken);
    expect(Date.parse(signIn.accessTokenExpiresAt!)).toBeGreaterThan(Date.now());
    expect(after.profiles.default).toEqual(first.profiles.default);
    expect(await fileMode(dir)).toBe(0o600);
    expectNoSecrets(r.out + r.err, after);
    expectNoSecrets(r.out + r.err, first);

    // whoami shows the expiry, without refreshing; after another expiry it says so.
    await expire(dir);
    const whoami = await run(['whoami'], env);
    expect(whoami.out).toMatch(/^user: +alice$/m);
    expect(whoami.out).toMatch(/^expires: +\S+ \(expired: renewed on next use\)$/m);

    // The saved, rotated refresh token is the one that works next.
    listJobsRecording(seen);
    expect((await run(['jobs', 'list'], env)).code).toBe(ExitCode.OK);
    expect(claimsOf(seen[2]!.replace(/^Bearer /, '')).preferred_username).toBe('alice');
    expect((await readStored(dir)).signIns!.default!.refreshToken).not.toBe(signIn.refreshToken);
  });

  it('commands run in parallel on an expired sign-in refresh ONCE (a rotated token is single-use)', async () => {
    const dir = await freshDir();
    const env = envFor(dir);
    const config = await signedIn(dir, 'bob');
    const signIn = config.signIns!.default!;
    signIn.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
    await writeStored(dir, config);
    const seen: string[] = [];
    listJobsRecording(seen, 5);
    // Five commands at once, as `for id in …; do hpcgate … & done` would start them: each reads
    // the same refresh token; if two used it, the provider would revoke the sign-in.
    const results = await Promise.all(Array.from({ length: 5 }, () => run(['jobs', 'list'], env)));
    expect(results.map((r) => r.code)).toEqual([0, 0, 0, 0, 0]);
    expect(new Set(seen).size).toBe(1);
    expect(seen[0]).not.toBe(`Bearer ${signIn.accessToken}`);
    const after = (await readStored(dir)).signIns!.default!;
    expect(`Bearer ${after.accessToken}`).toBe(seen[0]);
    expect(after.refreshToken).not.toBe(signIn.refreshToken);
    // The sign-in is still good: the saved refresh token works.
    await writeStored(dir, {
      ...(await readStored(dir)),
      signIns: { default: { ...after, accessTokenExpiresAt: new Date(0).toISOString() } },
    });
    listJobsRecording(seen);
    expect((await run(['jobs', 'list'], env)).code).toBe(ExitCode.OK);
    expect(claimsOf(seen[5]!.replace(/^Bearer /, '')).preferred_username).toBe('bob');
    await expect(stat(join(dir, 'config.json.lock'))).rejects.toThrow(/ENOENT/);
  });

  it('config set keeps the sign-in; config show never prints it', async () => {
    const dir = await freshDir();
    const config = await signedIn(dir, 'alice');
    expect((await run(['config', 'set', '--system', 'other'], envFor(dir))).code).toBe(0);
    const after = await readStored(dir);
    expect(after.signIns).toEqual(config.signIns);
    expect(after.profiles.default).toMatchObject({ issuer: op.issuer, system: 'other' });
    const show = await run(['config', 'show', '--json'], envFor(dir));
    expect(JSON.parse(show.out).profiles.default).toMatchObject({ issuer: op.issuer });
    expectNoSecrets(show.out + show.err, config);
    const text = await run(['config', 'show'], envFor(dir));
    expectNoSecrets(text.out + text.err, config);
  });

  it('$HPCGATE_TOKEN wins over the sign-in', async () => {
    const dir = await freshDir();
    await signedIn(dir, 'alice');
    const seen: string[] = [];
    listJobsRecording(seen);
    expect((await run(['jobs', 'list'], envFor(dir, { HPCGATE_TOKEN: TOKEN }))).code).toBe(0);
    expect(seen).toEqual([`Bearer ${TOKEN}`]);
    const whoami = await run(['whoami'], envFor(dir, { HPCGATE_TOKEN: TOKEN }));
    expect(whoami.out).toMatch(/^user: +\(not a JWT: unknown\)$/m);
    expect(whoami.out).toMatch(/^from: +\$HPCGATE_TOKEN$/m);
    expect(whoami.out).not.toContain(TOKEN);
  });

  it('a refresh token the provider refuses: exit 4, sign in again', async () => {
    const dir = await freshDir();
    const config = await signedIn(dir, 'alice');
    const signIn = config.signIns!.default!;
    signIn.refreshToken = 'revoked-or-made-up-refresh-token';
    signIn.accessTokenExpiresAt = new Date(Date.now() - 1000).toISOString();
    await writeStored(dir, config);
    const r = await run(['jobs', 'list'], envFor(dir));
    expect(r.code).toBe(ExitCode.AUTH);
    expect(r.err).toBe(
      'hpcgate: the identity provider refused the stored sign-in of profile "default" (invalid_grant): run `hpcgate login` again\n',
    );
    expectNoSecrets(r.out + r.err, config);
  });
});
