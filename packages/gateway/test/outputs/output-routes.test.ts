import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// The job directory and the output routes, on the real sandbox cluster: files are written by
// real jobs as their own Unix users and read back through the gateway.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');
const running = hasStatus('RUNNING');

async function download(user: string, url: string, headers: Record<string, string> = {}) {
  const res = await h.app.inject({
    method: 'GET',
    url,
    headers: { authorization: `Bearer ${await h.issuer.token(user)}`, ...headers },
  });
  return { status: res.statusCode, headers: res.headers, raw: res.rawPayload, body: res.body };
}

describe('each job in its own directory', () => {
  it('runs in <jobsRoot>/<job id>, mode 0700, as its account, with stdout and stderr there', async () => {
    const submitted = await h.submit('alice', {
      name: 'dir-job',
      command:
        'pwd; echo to-stderr >&2; mkdir -p sub; echo nested > sub/n.txt; printf abc > data.bin',
    });
    const job = await h.waitFor('alice', submitted.id, terminal);
    expect(job.status).toBe('FINISHED');
    const home = (await h.as('alice').exec('printf %s "$HOME"')).stdout;
    const dir = `${home}/hpcgate/jobs/${job.id}`;
    const mode = await h.as('alice').exec(`stat -c '%a %U' ${dir}`);
    expect(mode.stdout.trim()).toBe('700 alice');

    const stdout = await download('alice', `/v3/jobs/${job.id}/output/download/stdout`);
    expect(stdout.status).toBe(200);
    expect(stdout.body).toBe(`${dir}\n`);
    expect(stdout.headers['accept-ranges']).toBe('bytes');
    const stderr = await download('alice', `/v3/jobs/${job.id}/output/download/stderr`);
    expect(stderr.body).toBe('to-stderr\n');

    const list = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list`);
    expect(list.status).toBe(200);
    expect(list.body.entries.map((e: { name: string; type: string }) => [e.name, e.type])).toEqual([
      ['data.bin', 'file'],
      ['stderr', 'file'],
      ['stdout', 'file'],
      ['sub', 'dir'],
    ]);
    expect(list.body.entries[0]).toMatchObject({ path: 'data.bin', size: 3 });
    expect(Date.parse(list.body.entries[0].modified)).toBeGreaterThan(0);
    const sub = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list/sub`);
    expect(sub.body.entries).toMatchObject([{ name: 'n.txt', path: 'sub/n.txt', size: 7 }]);
    const nested = await download('alice', `/v3/jobs/${job.id}/output/download/sub/n.txt`);
    expect(nested.body).toBe('nested\n');

    // Paged by name.
    const page1 = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list?limit=3`);
    expect(page1.body.entries).toHaveLength(3);
    expect(page1.body.nextSkip).toBe(3);
    const page2 = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list?limit=3&skip=3`);
    expect(page2.body.entries.map((e: { name: string }) => e.name)).toEqual(['sub']);
    expect(page2.body.nextSkip).toBeNull();

    // Ranges.
    const part = await download('alice', `/v3/jobs/${job.id}/output/download/data.bin`, {
      range: 'bytes=1-',
    });
    expect(part.status).toBe(206);
    expect(part.body).toBe('bc');
    expect(part.headers['content-range']).toBe('bytes 1-2/3');
    const suffix = await download('alice', `/v3/jobs/${job.id}/output/download/data.bin`, {
      range: 'bytes=-1',
    });
    expect(suffix.body).toBe('c');
    const past = await download('alice', `/v3/jobs/${job.id}/output/download/data.bin`, {
      range: 'bytes=3-',
    });
    expect(past.status).toBe(416);
    expect(JSON.parse(past.body).error.code).toBe('RANGE_NOT_SATISFIABLE');
    expect(past.headers['content-range']).toBe('bytes */3');

    // A directory is listed, not downloaded; a file is downloaded, not listed.
    const dirDownload = await download('alice', `/v3/jobs/${job.id}/output/download/sub`);
    expect(dirDownload.status).toBe(400);
    expect(JSON.parse(dirDownload.body).error.code).toBe('OUTPUT_NOT_A_FILE');
    const fileList = await h.call('alice', 'GET', `/v3/jobs/${job.id}/output/list/stdout`);
    expect(fileList.status).toBe(400);
    expect(fileList.body.error.code).toBe('OUTPUT_NOT_A_DIRECTORY');
  });

  it("a running job's files are read while it runs; allowIfRunning=false refuses with 409", async () => {
    const submitted = await h.submit('alice', {
      name: 'live-file',
      command: 'echo started; sleep 30',
    });
    await h.waitFor('alice', submitted.id, running);
    await expect
      .poll(
        async () =>
          (await download('alice', `/v3/jobs/${submitted.id}/output/download/stdout`)).body,
      )
      .toBe('started\n');
    const refused = await download(
      'alice',
      `/v3/jobs/${submitted.id}/output/download/stdout?allowIfRunning=false`,
    );
    expect(refused.status).toBe(409);
    expect(JSON.parse(refused.body).error.code).toBe('JOB_NOT_FINISHED');
    await h.call('alice', 'POST', `/v3/jobs/${submitted.id}/cancel`, {});
  });
});

describe('hostile paths never leave the job directory', () => {
  let jobId: string;
  beforeAll(async () => {
    // The job plants links out of its own directory: to its home, to /etc, and a relative one.
    const submitted = await h.submit('alice', {
      name: 'planted-links',
      command:
        'echo secret > "$HOME/outside.txt"; ln -s "$HOME/outside.txt" home-link; ln -s /etc etc-link; ln -s ../ up-link; echo in > inside.txt; ln -s inside.txt ok-link',
    });
    jobId = (await h.waitFor('alice', submitted.id, terminal)).id;
  });

  it.each([['home-link'], ['etc-link/passwd'], ['up-link'], ['up-link/outside.txt'], ['missing']])(
    '%s is not found (404)',
    async (path) => {
      const res = await download('alice', `/v3/jobs/${jobId}/output/download/${path}`);
      expect(res.status).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('OUTPUT_NOT_FOUND');
      expect(res.body).not.toContain('secret');
      const list = await h.call('alice', 'GET', `/v3/jobs/${jobId}/output/list/${path}`);
      expect(list.status).toBe(404);
    },
  );

  it('a link that stays inside is followed', async () => {
    const res = await download('alice', `/v3/jobs/${jobId}/output/download/ok-link`);
    expect(res.status).toBe(200);
    expect(res.body).toBe('in\n');
  });

  it.each([
    ['..%2Foutside.txt'],
    ['%2E%2E/outside.txt'],
    ['sub/../../outside.txt'],
    ['%2Fetc%2Fpasswd'],
    ['a%00b'],
    ["x'%3B%20touch%20%2Ftmp%2Fpwned%3B%20'"],
    ['%24(touch%20%2Ftmp%2Fpwned2)'],
  ])('%s is refused or not found, and runs nothing', async (path) => {
    const res = await download('alice', `/v3/jobs/${jobId}/output/download/${path}`);
    expect([400, 404]).toContain(res.status);
    expect(res.body).not.toContain('secret');
    expect(res.body).not.toContain('root:');
    const probe = await h.cluster.exec('ls /tmp/pwned /tmp/pwned2 2>/dev/null | wc -l');
    expect(probe.stdout.trim()).toBe('0');
  });

  it("another user's job is 404 on every output route", async () => {
    for (const url of [
      `/v3/jobs/${jobId}/output/list`,
      `/v3/jobs/${jobId}/output/list/inside.txt`,
      `/v3/jobs/${jobId}/output/download/inside.txt`,
    ]) {
      const res = await download('bob', url);
      expect(res.status, url).toBe(404);
      expect(JSON.parse(res.body).error.code).toBe('JOB_NOT_FOUND');
    }
  });
});
