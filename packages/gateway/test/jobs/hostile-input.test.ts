import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Harness, hasStatus, startHarness } from '../helpers/harness.js';

// Hostile values must be refused (400) or reach the job literally: no injected command ever runs.
let h: Harness;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(() => h?.close());

const terminal = hasStatus('FINISHED', 'FAILED', 'CANCELLED');
/** Each payload, if it ever ran as a command, creates this file. */
const pwned = `/tmp/hpcgate-pwned-${randomUUID()}`;
const payloads = [
  `; touch ${pwned}`,
  `$(touch ${pwned})`,
  `\`touch ${pwned}\``,
  `'; touch ${pwned}; '`,
  `"; touch ${pwned}; "`,
  `\ntouch ${pwned}\n`,
  `| touch ${pwned}`,
  `&& touch ${pwned}`,
  `../../../tmp/x; touch ${pwned}`,
];

async function injectedRan(): Promise<boolean> {
  return (await h.cluster.exec(`test -e ${pwned}`)).code === 0;
}

describe('hostile values', () => {
  it('in the job name: 400 with the field', async () => {
    for (const name of payloads) {
      const res = await h.call('mallory', 'POST', '/v3/jobs/submit', {
        name,
        execSystemId: h.system.id,
        command: 'true',
      });
      expect(res.status).toBe(400);
      expect(res.body.error.code).toBe('VALIDATION_FAILED');
      expect(res.body.error.details.field).toBe('body.name');
    }
  });

  it('in the partition and tags: 400', async () => {
    for (const value of payloads) {
      for (const field of ['partition', 'tags']) {
        const res = await h.call('mallory', 'POST', '/v3/jobs/submit', {
          name: 'ok',
          execSystemId: h.system.id,
          command: 'true',
          [field]: field === 'tags' ? [value] : value,
        });
        expect(res.status).toBe(400);
        expect(res.body.error.details.field).toMatch(new RegExp(`^body\\.${field}`));
      }
    }
  });

  it('in arguments and environment values: passed literally to the job', async () => {
    const out = `/tmp/hpcgate-args-${randomUUID()}`;
    const env = Object.fromEntries(payloads.map((p, i) => [`HOSTILE_${i}`, p]));
    const job = await h.submit('mallory', {
      name: 'literal',
      script: `#!/bin/bash\nprintf '%s\\0' "$@" > ${out}.args\nenv -0 | grep -z '^HOSTILE_' | sort -z > ${out}.env\n`,
      args: payloads,
      env,
    });
    const ended = await h.waitFor('mallory', job.id, terminal);
    expect(ended.status).toBe('FINISHED');
    const args = (await h.cluster.exec(`cat ${out}.args`)).stdout.split('\0').slice(0, -1);
    expect(args).toEqual(payloads);
    const seen = (await h.cluster.exec(`cat ${out}.env`)).stdout.split('\0').slice(0, -1);
    const expected = Object.entries(env)
      .map(([k, v]) => `${k}=${v}`)
      .sort();
    expect(seen.sort()).toEqual(expected);
    await h.cluster.exec(`rm -f ${out}.args ${out}.env`);
    expect(await injectedRan()).toBe(false);
  });

  it('in the working directory: a literal (missing) path, the job fails, nothing runs', async () => {
    for (const workingDir of payloads.filter((p) => !p.includes('\n'))) {
      const job = await h.submit('mallory', { name: 'wd', command: 'true', workingDir });
      const ended = await h.waitFor('mallory', job.id, terminal);
      // sbatch accepts the odd directory name (it is only a name) and the job cannot chdir there.
      expect(['FAILED', 'FINISHED']).toContain(ended.status);
    }
    expect(await injectedRan()).toBe(false);
  });

  it('a newline in the working directory is refused', async () => {
    const res = await h.call('mallory', 'POST', '/v3/jobs/submit', {
      name: 'wd',
      execSystemId: h.system.id,
      command: 'true',
      workingDir: `/tmp\ntouch ${pwned}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('body.workingDir');
  });

  it('a script containing the wrapper’s here-document words runs as written', async () => {
    const job = await h.submit('mallory', {
      name: 'heredoc',
      script: `#!/bin/bash\ncat <<'EOF'\nHPCGATE_SCRIPT_\nEOF\necho "$(echo nested)"\nexit 5\n`,
    });
    const ended = await h.waitFor('mallory', job.id, terminal);
    expect(ended).toMatchObject({ status: 'FAILED', exitCode: 5 });
    expect(await injectedRan()).toBe(false);
  });
});

describe('bad bodies', () => {
  const base = { name: 'ok', execSystemId: 'x', command: 'true' };
  it.each([
    ['no script or command', { name: 'n', execSystemId: 'x' }, 'body.script'],
    ['both script and command', { ...base, script: '#!/bin/bash\n' }, 'body.script'],
    ['an unknown field', { ...base, sudo: true }, 'body'],
    ['a negative node count', { ...base, nodes: -1 }, 'body.nodes'],
    ['a fractional memory', { ...base, memoryMB: 1.5 }, 'body.memoryMB'],
    ['an env name with a space', { ...base, env: { 'A B': '1' } }, 'body.env'],
    ['a NUL in an argument', { ...base, args: ['a\u0000b'] }, 'body.args.0'],
  ])('%s → 400 naming the field', async (_what, body, field) => {
    const res = await h.call('mallory', 'POST', '/v3/jobs/submit', body);
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('VALIDATION_FAILED');
    expect(res.body.error.details.field).toMatch(new RegExp(`^${field.replace('.', '\\.')}`));
  });

  it('an unknown execution system → 400 UNKNOWN_EXEC_SYSTEM', async () => {
    const res = await h.call('mallory', 'POST', '/v3/jobs/submit', base);
    expect(res.status).toBe(400);
    expect(res.body.error).toMatchObject({
      code: 'UNKNOWN_EXEC_SYSTEM',
      details: { field: 'body.execSystemId' },
    });
  });

  it('a partition the system does not offer → 400', async () => {
    const res = await h.call('mallory', 'POST', '/v3/jobs/submit', {
      ...base,
      execSystemId: h.system.id,
      partition: 'gpu',
    });
    expect(res.status).toBe(400);
    expect(res.body.error.details.field).toBe('body.partition');
  });

  it('malformed JSON → 400, not a stack trace', async () => {
    const res = await h.app.inject({
      method: 'POST',
      url: '/v3/jobs/submit',
      headers: {
        authorization: `Bearer ${await h.issuer.token('mallory')}`,
        'content-type': 'application/json',
      },
      payload: '{"name": ',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toMatch(/^FST_ERR_CTP_INVALID|BAD_REQUEST/);
    expect(res.body).not.toMatch(/at .*\.js:\d+/);
  });
});

describe('tokens', () => {
  it('no token, a garbage token, an expired one, a wrong audience: 401 with WWW-Authenticate', async () => {
    const now = Math.floor(Date.now() / 1000);
    const cases: (string | undefined)[] = [
      undefined,
      'Bearer not.a.jwt',
      `Bearer ${await h.issuer.token('mallory', { exp: now - 3600 })}`,
      `Bearer ${await h.issuer.token('mallory', { aud: 'someone-else' })}`,
      `Bearer ${await h.issuer.token('mallory', { iss: 'https://evil.example' })}`,
      `Bearer ${await h.issuer.token('mallory', { nbf: now + 3600 })}`,
    ];
    for (const authorization of cases) {
      const res = await h.app.inject({
        method: 'GET',
        url: '/v3/jobs/list',
        headers: authorization ? { authorization } : {},
      });
      expect(res.statusCode).toBe(401);
      expect(res.headers['www-authenticate']).toBe('Bearer error="invalid_token"');
      expect(res.json().error.code).toBe('UNAUTHENTICATED');
    }
  });
});
