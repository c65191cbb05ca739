import { mkdtemp, readFile, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { BASE_URL, expectOneErrorLine, gateway, run, TOKEN, useNock } from '../../fixtures.js';

useNock();

/** A config dir that does not exist yet, inside a fresh temp dir. */
async function freshDir(): Promise<string> {
  return join(await mkdtemp(join(tmpdir(), 'hpcgate-config-')), 'hpcgate');
}

/** No URL, token or system from the environment: only the file. */
const only = (dir: string) => ({
  HPCGATE_CONFIG_DIR: dir,
  HPCGATE_URL: '',
  HPCGATE_TOKEN: '',
  HPCGATE_SYSTEM: '',
});

describe('config set', () => {
  it('writes config.json with mode 0600 in a 0700 directory', async () => {
    const dir = await freshDir();
    const r = await run(
      ['config', 'set', '--url', BASE_URL, '--token', TOKEN, '--system', 'cluster'],
      { env: only(dir) },
    );
    expect(r.code).toBe(ExitCode.OK);
    const path = join(dir, 'config.json');
    expect(r.err).toBe(`saved profile "default" in ${path}\n`);
    expect((await stat(path)).mode & 0o777).toBe(0o600);
    expect((await stat(dir)).mode & 0o777).toBe(0o700);
    expect(JSON.parse(await readFile(path, 'utf8'))).toEqual({
      defaultProfile: 'default',
      profiles: { default: { url: BASE_URL, token: TOKEN, system: 'cluster' } },
    });
  });

  it('commands then use the profile: its URL, its token (as the bearer) and its system', async () => {
    const dir = await freshDir();
    await run(['config', 'set', '--url', BASE_URL, '--system', 'hpc9'], { env: only(dir) });
    await run(['config', 'set', '--token', '-'], { env: only(dir), stdin: `${TOKEN}\n` });
    gateway()
      .post('/v3/jobs/submit', (b) => b.execSystemId === 'hpc9')
      .reply(400, { error: { code: 'X', message: 'checked' } });
    const r = await run(['jobs', 'submit', '--command', 'ls'], { env: only(dir) });
    expect(r.err).toBe('hpcgate: invalid request: checked\n');
  });

  it('--profile writes another profile; the first one stays the default unless --default', async () => {
    const dir = await freshDir();
    await run(['config', 'set', '--url', 'http://a.test'], { env: only(dir) });
    await run(['config', 'set', '--profile', 'prod', '--url', 'http://b.test'], { env: only(dir) });
    let config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config.defaultProfile).toBe('default');
    expect(config.profiles.prod).toEqual({ url: 'http://b.test' });
    await run(['config', 'set', '--profile', 'prod', '--default', '--url', ''], { env: only(dir) });
    config = JSON.parse(await readFile(join(dir, 'config.json'), 'utf8'));
    expect(config.defaultProfile).toBe('prod');
    expect(config.profiles.prod).toEqual({});
  });

  it('--json says where it saved, as JSON', async () => {
    const dir = await freshDir();
    const r = await run(['config', 'set', '--system', 'x', '--json'], { env: only(dir) });
    expect(r.json()).toEqual({
      path: join(dir, 'config.json'),
      profile: 'default',
      default: 'default',
    });
    expect(r.err).toBe('');
  });

  it('refuses a bad URL, and an empty set', async () => {
    const dir = await freshDir();
    const bad = await run(['config', 'set', '--url', 'not a url'], { env: only(dir) });
    expect(bad.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(bad.err, /not a URL/);
    const empty = await run(['config', 'set'], { env: only(dir) });
    expect(empty.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(empty.err, /nothing to set/);
  });

  it('a profile named but missing is a usage error', async () => {
    const dir = await freshDir();
    const r = await run(['jobs', 'list', '--profile', 'nope'], { env: only(dir) });
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /no profile "nope"/);
  });
});
