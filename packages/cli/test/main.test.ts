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

  it('--help prints the commands and exits 0', async () => {
    const io = captureIo();
    expect(await main(['--help'], { io, env: {} })).toBe(ExitCode.OK);
    expect(io.out()).toMatch(/hpcgate health/);
  });

  it('health without a gateway URL says how to give one', async () => {
    const io = captureIo();
    expect(await main(['health'], { io, env: {} })).toBe(ExitCode.USAGE);
    expect(io.err()).toBe('hpcgate: no gateway URL: pass --url or set HPCGATE_URL\n');
  });

  it('an unreachable gateway exits 5 with one line on stderr', async () => {
    const io = captureIo();
    const code = await main(['health'], { io, env: { HPCGATE_URL: 'http://127.0.0.1:1' } });
    expect(code).toBe(ExitCode.SERVER);
    expect(io.err()).toMatch(/^hpcgate: cannot reach the gateway: ECONNREFUSED\n$/);
    expect(io.out()).toBe('');
  });
});
