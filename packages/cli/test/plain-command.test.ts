import { describe, expect, it } from 'vitest';
import { ExitCode } from '../src/index.js';
import { plainCommand } from '../src/main.js';
import { aJob, gateway, run, useNock } from './fixtures.js';

useNock();

const ID = aJob.id;

describe('plain commands (run without yargs)', () => {
  it('recognises `jobs get|status <id>` with --json, --url, --profile anywhere', () => {
    expect(plainCommand(['jobs', 'get', ID])).toEqual({
      command: 'jobs get',
      args: { _: ['jobs', 'get'], $0: 'hpcgate', id: ID, json: false },
    });
    expect(
      plainCommand(['--url', 'http://g', 'jobs', '--json', 'status', ID, '--profile=p']),
    ).toEqual({
      command: 'jobs status',
      args: {
        _: ['jobs', 'status'],
        $0: 'hpcgate',
        id: ID,
        json: true,
        url: 'http://g',
        profile: 'p',
      },
    });
    expect(plainCommand(['jobs', 'get', ID, '--url=']))?.toMatchObject({ args: { url: '' } });
  });

  it.each([
    [[]],
    [['jobs', 'get']],
    [['jobs', 'get', ID, 'extra']],
    [['jobs', 'list', ID]],
    [['jobs', 'get', ID, '--help']],
    [['jobs', 'get', ID, '--version']],
    [['jobs', 'get', ID, '--json', '--json']],
    [['jobs', 'get', ID, '--no-json']],
    [['jobs', 'get', ID, '--json=false']],
    [['jobs', 'get', ID, '--url']],
    [['jobs', 'get', ID, '--url', '--json']],
    [['jobs', 'get', ID, '--url', 'a', '--url', 'b']],
    [['jobs', 'get', '-']],
    [['jobs', 'get', '']],
    [['jobs', 'get', ID, '--', 'x']],
    [['jobs', 'get', ID, '-j']],
    [['jobs', 'toString', ID]],
  ])('leaves %j to yargs', (argv) => {
    expect(plainCommand(argv)).toBeUndefined();
  });

  it('runs the same handler as yargs would', async () => {
    gateway().get(`/v3/jobs/${ID}`).times(2).reply(200, aJob);
    // `--json=false` is not plain: yargs parses it.
    const viaYargs = await run(['jobs', 'get', ID, '--json=false']);
    const plain = await run(['jobs', 'get', ID]);
    expect(plain.code).toBe(ExitCode.OK);
    expect(plain.out).toBe(viaYargs.out);
    expect(plain.out).toMatch(new RegExp(`^id: +${ID}$`, 'm'));
  });

  it('a failure of a plain command: its message and exit code', async () => {
    const r = await run(['jobs', 'get', ID], { env: { HPCGATE_URL: '' } });
    expect(r.code).toBe(ExitCode.USAGE);
    expect(r.err).toMatch(/^hpcgate: no gateway URL/);
  });
});
