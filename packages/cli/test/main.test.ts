import { describe, expect, it } from 'vitest';
import { ExitCode, main } from '../src/index.js';
import { captureIo } from './capture-io.js';

describe('main(argv) in-process', () => {
  it('without a command: usage error, exit 1', async () => {
    const io = captureIo();
    expect(await main([], { io, env: {} })).toBe(ExitCode.USAGE);
    expect(io.err()).toMatch(/hpcgate: name a command/);
  });

  it('an unknown option is a usage error', async () => {
    const io = captureIo();
    expect(await main(['health', '--bogus'], { io, env: {} })).toBe(ExitCode.USAGE);
    expect(io.err()).toMatch(/Unknown argument: bogus/);
  });

  it('--help prints the commands and the exit codes, and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], { io, env: {} })).toBe(ExitCode.OK);
    expect(io.out()).toMatch(/hpcgate health/);
    expect(io.out()).toMatch(/hpcgate jobs/);
    expect(io.out()).toMatch(/Exit codes:\n {2}0 {2}success\n {2}1 {2}usage/);
    expect(io.err()).toBe('');
  });

  it.each([
    ['jobs', 'submit'],
    ['jobs', 'get'],
    ['jobs', 'status'],
    ['jobs', 'history'],
    ['jobs', 'list'],
    ['jobs', 'cancel'],
    ['jobs', 'stop'],
    ['jobs', 'wait'],
    ['config', 'set'],
    ['config', 'show'],
    ['health'],
  ])('%s %s --help has an example', async (...command) => {
    const io = captureIo();
    expect(await main([...command.filter(Boolean), '--help'], { io, env: {} })).toBe(ExitCode.OK);
    expect(io.out()).toMatch(/Examples:\n {2}hpcgate /);
  });

  it('a noun without a verb is a usage error', async () => {
    const io = captureIo();
    expect(await main(['jobs'], { io, env: {} })).toBe(ExitCode.USAGE);
    expect(io.err()).toBe('hpcgate: name a jobs command, e.g. hpcgate jobs list\n');
  });

  it('completion prints a shell script, and completes the verbs', async () => {
    const io = captureIo();
    expect(await main(['completion'], { io, env: {} })).toBe(ExitCode.OK);
    expect(io.out()).toMatch(/###-begin-hpcgate-completions-###/);
    const words = captureIo();
    await main(['--get-yargs-completions', 'hpcgate', 'jobs', ''], { io: words, env: {} });
    expect(words.out().split('\n')).toEqual(expect.arrayContaining(['submit', 'cancel', 'stop']));
  });

  it('--version prints the package version', async () => {
    const io = captureIo();
    expect(await main(['--version'], { io, env: {} })).toBe(ExitCode.OK);
    expect(io.out()).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('health without a gateway URL says how to give one', async () => {
    const io = captureIo();
    expect(await main(['health'], { io, env: {} })).toBe(ExitCode.USAGE);
    expect(io.err()).toBe(
      'hpcgate: no gateway URL: pass --url, set HPCGATE_URL or run `hpcgate config set --url`\n',
    );
  });

  it('an unreachable gateway exits 5 with one line on stderr', async () => {
    const io = captureIo();
    const code = await main(['health'], { io, env: { HPCGATE_URL: 'http://127.0.0.1:1' } });
    expect(code).toBe(ExitCode.SERVER);
    expect(io.err()).toMatch(/^hpcgate: cannot reach the gateway: ECONNREFUSED\n$/);
    expect(io.out()).toBe('');
  });
});
