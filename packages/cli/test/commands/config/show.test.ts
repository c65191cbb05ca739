import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { run, TOKEN } from '../../fixtures.js';

describe('config show', () => {
  it('prints the profiles with the token masked (run() also checks it never appears)', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hpcgate-config-')), 'hpcgate');
    const env = { HPCGATE_CONFIG_DIR: dir };
    await run(['config', 'set', '--url', 'http://a.test', '--token', TOKEN], { env });
    const r = await run(['config', 'show'], { env });
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^defaultProfile: +default$/m);
    expect(r.out).toMatch(/^\[default\]\nurl: +http:\/\/a.test\ntoken: +\*{8}\nsystem: +-$/m);
    const json = await run(['config', 'show', '--json'], { env });
    expect(json.json()).toEqual({
      path: join(dir, 'config.json'),
      defaultProfile: 'default',
      active: 'default',
      profiles: { default: { url: 'http://a.test', token: '********' } },
    });
  });

  it('no file yet: an empty configuration', async () => {
    const dir = join(await mkdtemp(join(tmpdir(), 'hpcgate-config-')), 'none');
    const r = await run(['config', 'show', '--json'], { env: { HPCGATE_CONFIG_DIR: dir } });
    expect(r.json()).toMatchObject({ defaultProfile: null, profiles: {} });
  });
});
