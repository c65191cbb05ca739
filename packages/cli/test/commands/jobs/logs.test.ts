import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import { aJob, apiError, expectOneErrorLine, gateway, run, useNock } from '../../fixtures.js';
import { unmatchedRequests } from './streams.js';

useNock();
const unmatched = unmatchedRequests();

const jobId = aJob.id;
const logs = `/v3/jobs/${jobId}/logs`;

/** A `log` event: whole lines from `offset`; its SSE id is the offset after them. */
function log(offset: number, text: string): string {
  const next = offset + Buffer.byteLength(text, 'utf8');
  return `event: log\nid: ${next}\ndata: ${JSON.stringify({ offset, text, next })}\n\n`;
}

function end(offset: number, status = 'FINISHED'): string {
  return `event: end\ndata: ${JSON.stringify({ jobId, status, offset, source: 'cluster' })}\n\n`;
}

const sse = (...events: string[]) => ['retry: 10\n\n', ...events].join('');
const headers = { 'content-type': 'text/event-stream' };

describe('jobs logs', () => {
  it("prints the job's stdout as it was written, a last line without newline included; exit 0", async () => {
    gateway()
      .get(logs)
      .query({ stream: 'stdout', follow: 'false', offset: '0' })
      .reply(
        200,
        sse(log(0, 'step 1 ✓\nstep 2\n'), ': heartbeat\n\n', log(18, 'done'), end(22)),
        headers,
      );
    const r = await run(['jobs', 'logs', jobId]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe('step 1 ✓\nstep 2\ndone');
    expect(r.err).toBe('');
  });

  it('-f --stderr --offset: follows stderr from that byte', async () => {
    gateway()
      .get(logs)
      .query({ stream: 'stderr', follow: 'true', offset: '6' })
      .reply(200, sse(log(6, 'warning\n'), end(14, 'FAILED')), headers);
    const r = await run(['jobs', 'logs', jobId, '-f', '--stderr', '--offset', '6']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe('warning\n');
  });

  it('a dropped connection is resumed where it stopped: each line printed once', async () => {
    gateway()
      .get(logs)
      .query(true)
      // Closed without `end`: cut.
      .reply(200, sse(log(0, 'one\ntwo\n')), headers)
      .get(logs)
      .query(true)
      .matchHeader('last-event-id', '8')
      .reply(200, sse(log(4, 'two\nthree\n'), end(14)), headers);
    const r = await run(['jobs', 'logs', jobId, '--follow']);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe('one\ntwo\nthree\n');
    expect(unmatched()).toEqual([]);
  });

  it('bytes the gateway left out are said on stderr, where they are missing', async () => {
    gateway()
      .get(logs)
      .query(true)
      .reply(
        200,
        sse(
          log(0, 'start\n'),
          `event: skipped\ndata: ${JSON.stringify({ from: 6, to: 2000, reason: 'catch-up over 1 MiB' })}\n\n`,
          log(2000, 'tail\n'),
          end(2005),
        ),
        headers,
      );
    const r = await run(['jobs', 'logs', jobId]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toBe('start\ntail\n');
    expectOneErrorLine(
      r.err,
      new RegExp(
        `bytes 6-1999 of stdout were left out \\(catch-up over 1 MiB\\); .hpcgate jobs output get ${jobId} stdout --range 6-1999.`,
      ),
    );
  });

  it('--json: one object per line and gap, then the end', async () => {
    gateway()
      .get(logs)
      .query(true)
      .reply(200, sse(log(0, 'a\nb\n'), end(4)), headers);
    const r = await run(['jobs', 'logs', jobId, '--json']);
    expect(r.code).toBe(ExitCode.OK);
    expect(
      r.out
        .trimEnd()
        .split('\n')
        .map((l) => JSON.parse(l)),
    ).toEqual([
      { kind: 'line', stream: 'stdout', line: 'a', offset: 0, partial: false },
      { kind: 'line', stream: 'stdout', line: 'b', offset: 2, partial: false },
      { kind: 'end', jobId, status: 'FINISHED', offset: 4, source: 'cluster' },
    ]);
  });

  it('an unknown job is exit 2; a gateway without the route is exit 5, said plainly', async () => {
    gateway()
      .get(logs)
      .query(true)
      .reply(404, apiError('JOB_NOT_FOUND', `job ${jobId} not found`, { jobId }))
      .get(logs)
      .query(true)
      .reply(404, apiError('ROUTE_NOT_FOUND', 'Route GET not found'));
    const missing = await run(['jobs', 'logs', jobId]);
    expect(missing.code).toBe(ExitCode.NOT_FOUND);
    expectOneErrorLine(missing.err, /not found/);
    const old = await run(['jobs', 'logs', jobId]);
    expect(old.code).toBe(ExitCode.SERVER);
    expectOneErrorLine(old.err, /no log stream/);
  });

  it('a negative or fractional --offset is a usage error, and nothing is sent', async () => {
    for (const offset of ['-1', '1.5']) {
      const r = await run(['jobs', 'logs', jobId, '--offset', offset]);
      expect(r.code).toBe(ExitCode.USAGE);
      expectOneErrorLine(r.err, /--offset/);
    }
    expect(unmatched()).toEqual([]);
  });
});
