import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ExitCode } from '../../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../../fixtures.js';
import { start } from '../streams.js';

useNock();

const jobId = aJob.id;
const download = `/v3/jobs/${jobId}/output/download`;
/** Every byte value: what any decoding on the way to stdout would mangle. */
const binary = Buffer.from([...Array(256).keys()]);

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'hpcgate-get-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('jobs output get', () => {
  it('to stdout, byte for byte, with nothing on stderr', async () => {
    gateway()
      .get(`${download}/bin/data.raw`)
      .reply(200, binary, { 'content-length': String(binary.length) });
    const r = start(['jobs', 'output', 'get', jobId, 'bin/data.raw'], { binary: true, tty: true });
    expect(await r.done).toBe(ExitCode.OK);
    expect(r.bytes().equals(binary)).toBe(true);
    // A terminal on stderr, but no -o: no progress bar.
    expect(r.err()).toBe('');
  });

  it('to stdout through a text-only output: one character per byte, nothing lost', async () => {
    gateway().get(`${download}/stdout`).reply(200, binary);
    const r = await run(['jobs', 'output', 'get', jobId, 'stdout']);
    expect(r.code).toBe(ExitCode.OK);
    expect(Buffer.from(r.out, 'latin1').equals(binary)).toBe(true);
  });

  it('-o: writes the file, says so on stderr; no progress bar without a terminal', async () => {
    gateway()
      .get(`${download}/results/model.bin`)
      .reply(200, binary, { 'content-length': String(binary.length) });
    const file = join(dir, 'model.bin');
    const r = await run(['jobs', 'output', 'get', jobId, 'results/model.bin', '-o', file]);
    expect(r.code).toBe(ExitCode.OK);
    expect((await readFile(file)).equals(binary)).toBe(true);
    expect(r.out).toBe('');
    expect(r.err).toBe(`wrote 256 B to ${file}\n`);
  });

  it('-o on a terminal: a progress bar on stderr, redrawn in place, then cleared', async () => {
    gateway()
      .get(`${download}/model.bin`)
      .reply(200, binary, { 'content-length': String(binary.length) });
    const file = join(dir, 'model.bin');
    const r = await run(['jobs', 'output', 'get', jobId, 'model.bin', '-o', file], { tty: true });
    expect(r.code).toBe(ExitCode.OK);
    // The first frame: the size is known, nothing received yet; then cleared before the result.
    expect(r.err.startsWith(`\r⠋ model.bin [${' '.repeat(24)}] 0% 0 B / 256 B (0 s)\u001b[K`)).toBe(
      true,
    );
    expect(r.err.endsWith(`\r\u001b[Kwrote 256 B to ${file}\n`)).toBe(true);
    expect(r.out).toBe('');
  });

  it('--json with -o prints what was written; --json without -o is a usage error', async () => {
    gateway().get(`${download}/stdout`).matchHeader('range', 'bytes=2-5').reply(206, 'abcd', {
      'content-range': 'bytes 2-5/10',
      'content-length': '4',
    });
    const file = join(dir, 'part');
    const r = await run([
      'jobs',
      'output',
      'get',
      jobId,
      'stdout',
      '-o',
      file,
      '--range',
      '2-5',
      '--json',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.json()).toEqual({
      file,
      bytes: 4,
      status: 206,
      contentRange: { start: 2, end: 5, total: 10 },
    });
    expect(await readFile(file, 'utf8')).toBe('abcd');
    const bad = await run(['jobs', 'output', 'get', jobId, 'stdout', '--json']);
    expect(bad.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(bad.err, /needs -o/);
  });

  it('a download cut halfway leaves no file behind, and the old one as it was', async () => {
    // A first part, then the connection fails as the next part is read.
    let sent = false;
    const body = new Readable({
      read() {
        if (sent) return this.destroy(new Error('connection reset'));
        sent = true;
        this.push(Buffer.alloc(1000, 65));
      },
    });
    gateway()
      .get(`${download}/big.log`)
      .reply(200, () => body, { 'content-length': '100000' });
    const file = join(dir, 'big.log');
    await writeFile(file, 'yesterday');
    const r = await run(['jobs', 'output', 'get', jobId, 'big.log', '-o', file]);
    expect(r.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(r.err, /was cut/);
    expect(await readdir(dir)).toEqual(['big.log']);
    expect(await readFile(file, 'utf8')).toBe('yesterday');
  });

  it('too large: exit 1 with how to get a part; a range past the end: exit 1; no file: exit 2', async () => {
    gateway()
      .get(`${download}/huge`)
      .reply(413, apiError('OUTPUT_TOO_LARGE', 'huge is 9 GiB, over the 1 GiB cap: use Range'))
      .get(`${download}/small`)
      .reply(416, apiError('RANGE_NOT_SATISFIABLE', 'small has 12 bytes'))
      .get(`${download}/gone`)
      .reply(404, apiError('OUTPUT_NOT_FOUND', 'no such file: gone'));
    const huge = await run(['jobs', 'output', 'get', jobId, 'huge']);
    expect(huge.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(
      huge.err,
      /over the 1 GiB cap: use Range \(`--range START-END` fetches a part\)/,
    );
    const small = await run(['jobs', 'output', 'get', jobId, 'small', '--range', '100-']);
    expect(small.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(small.err, /12 bytes/);
    const gone = await run(['jobs', 'output', 'get', jobId, 'gone', '-o', join(dir, 'gone')]);
    expect(gone.code).toBe(ExitCode.NOT_FOUND);
    expect(await readdir(dir)).toEqual([]);
  });

  it('a malformed --range is a usage error', async () => {
    for (const range of ['5', '9-3', 'a-b', '-5']) {
      const r = await run(['jobs', 'output', 'get', jobId, 'stdout', `--range=${range}`]);
      expect(r.code).toBe(ExitCode.USAGE);
      expectOneErrorLine(r.err, /--range takes START-END/);
    }
  });
});
