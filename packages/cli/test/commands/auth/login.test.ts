import { type DevOidcProvider, startDevOidcProvider } from '@hpcgate/dev-oidc';
import { AuthenticationError, refreshToken } from '@hpcgate/sdk';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { useNock } from '../../fixtures.js';
import {
  closedPort,
  envFor,
  expectNoSecrets,
  fileMode,
  freshDir,
  letLoopbackThrough,
  listJobsRecording,
  loginAs,
  readStored,
  run,
} from './helpers.js';

useNock();
let op: DevOidcProvider;
beforeAll(async () => {
  op = await startDevOidcProvider({ port: 0 });
});
afterAll(() => op.close());
letLoopbackThrough();

describe('hpcgate login (device authorization grant)', () => {
  it('signs in, saves the tokens (0600), whoami, jobs list with them, logout', async () => {
    const dir = await freshDir();
    const env = envFor(dir);
    const login = await loginAs(op, env, 'alice');
    expect(login.code).toBe(ExitCode.OK);
    expect(login.err).toContain(`Open ${op.issuer}/device and enter code ${login.userCode}\n`);
    expect(login.err).toContain(`or open ${op.issuer}/device?user_code=${login.userCode}\n`);
    expect(login.err).toMatch(
      /^signed in as alice \(profile "default", saved in .*config\.json\)$/m,
    );
    expect(login.out).toBe('');

    expect(await fileMode(dir)).toBe(0o600);
    const stored = await readStored(dir);
    expect(stored.defaultProfile).toBe('default');
    expect(stored.profiles.default).toEqual({ issuer: op.issuer });
    const signIn = stored.signIns!.default!;
    expect(signIn).toEqual({
      grant: 'device',
      issuer: op.issuer,
      clientId: 'hpcgate-cli',
      refreshToken: expect.any(String),
      accessToken: expect.any(String),
      accessTokenExpiresAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(Date.parse(signIn.accessTokenExpiresAt!)).toBeGreaterThan(Date.now() + 3000_000);
    expectNoSecrets(login.out + login.err, stored);

    const whoami = await run(['whoami'], env);
    expect(whoami.code).toBe(ExitCode.OK);
    expect(whoami.out).toMatch(/^user: +alice$/m);
    expect(whoami.out).toMatch(new RegExp(`^issuer: +${op.issuer}$`, 'm'));
    expect(whoami.out).toMatch(/^client: +hpcgate-cli$/m);
    expect(whoami.out).toMatch(new RegExp(`^expires: +${signIn.accessTokenExpiresAt}$`, 'm'));
    expect(whoami.out).toMatch(/^from: +hpcgate login \(profile "default"\)$/m);
    const json = await run(['whoami', '--json'], env);
    expect(JSON.parse(json.out)).toMatchObject({
      user: 'alice',
      issuer: op.issuer,
      expiresAt: signIn.accessTokenExpiresAt,
      expired: false,
      renewable: true,
    });
    expectNoSecrets(whoami.out + whoami.err + json.out + json.err, stored);

    // config show prints profiles only: the sign-in's tokens are not in them.
    const show = await run(['config', 'show', '--json'], env);
    expectNoSecrets(show.out + show.err, stored);

    // Every other command sends the stored access token (still fresh: no request to the IdP).
    const seen: string[] = [];
    listJobsRecording(seen);
    const list = await run(['jobs', 'list'], env);
    expect(list.code).toBe(ExitCode.OK);
    expect(seen).toEqual([`Bearer ${signIn.accessToken}`]);
    expectNoSecrets(list.out + list.err, stored);

    const logout = await run(['logout'], env);
    expect(logout.code).toBe(ExitCode.OK);
    expect(logout.err).toBe('signed out (profile "default")\n');
    const after = await readStored(dir);
    expect(after.signIns).toBeUndefined();
    expect(after.profiles.default).toEqual({ issuer: op.issuer });
    expect(await fileMode(dir)).toBe(0o600);
    // Revoked at the provider too.
    const old = refreshToken({
      issuer: op.issuer,
      clientId: 'hpcgate-cli',
      refreshToken: signIn.refreshToken!,
    });
    await expect(old()).rejects.toBeInstanceOf(AuthenticationError);

    const again = await run(['whoami'], env);
    expect(again.code).toBe(ExitCode.AUTH);
    expect(again.err).toBe('hpcgate: not signed in (profile "default"): run `hpcgate login`\n');
    const twice = await run(['logout'], env);
    expect(twice.code).toBe(ExitCode.OK);
    expect(twice.err).toBe('not signed in (profile "default"): nothing to do\n');
  });

  it('the issuer from $HPCGATE_ISSUER; --profile creates that profile; --json', async () => {
    const dir = await freshDir();
    const env = envFor(dir, { HPCGATE_ISSUER: op.issuer });
    const login = await loginAs(op, env, 'bob', ['--profile', 'hpc', '--json']);
    expect(login.code).toBe(ExitCode.OK);
    expect(JSON.parse(login.out)).toMatchObject({
      profile: 'hpc',
      user: 'bob',
      issuer: op.issuer,
      clientId: 'hpcgate-cli',
    });
    const stored = await readStored(dir);
    expect(stored.profiles.hpc).toEqual({ issuer: op.issuer });
    expect(stored.signIns?.hpc?.refreshToken).toEqual(expect.any(String));
    expectNoSecrets(login.out + login.err, stored);
    const whoami = await run(['whoami', '--profile', 'hpc'], envFor(dir));
    expect(whoami.out).toMatch(/^user: +bob$/m);
  });

  it('without an issuer: a usage error that says how to give one', async () => {
    const r = await run(['login'], envFor(await freshDir()));
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toBe(
      'hpcgate: no issuer: pass --issuer or set HPCGATE_ISSUER (login saves it in the profile)\n',
    );
  });

  it('refuses a plain-http issuer that is not on loopback, and a non-URL', async () => {
    const env = envFor(await freshDir());
    const http = await run(['login', '--issuer', 'http://sso.example.org'], env);
    expect(http.code).toBe(ExitCode.USAGE);
    expect(http.err).toBe(
      'hpcgate: the issuer must use https (plain http only on a loopback address): http://sso.example.org\n',
    );
    const bad = await run(['login', '--issuer', 'sso'], env);
    expect(bad.code).toBe(ExitCode.USAGE);
    expect(bad.err).toBe('hpcgate: not an issuer URL: sso\n');
  });

  it('an unreachable issuer exits 5 with one line', async () => {
    const issuer = `http://127.0.0.1:${await closedPort()}`;
    const r = await run(['login', '--issuer', issuer], envFor(await freshDir()));
    expect(r.code).toBe(ExitCode.SERVER);
    expect(r.err).toBe(`hpcgate: cannot reach the identity provider at ${issuer}: ECONNREFUSED\n`);
  });

  it.each([['login'], ['logout'], ['whoami']])('%s --help has an example', async (command) => {
    const r = await run([command, '--help'], {});
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/Examples:\n {2}hpcgate /);
  });
});
