import { describe, expect, it } from 'vitest';
import { ExitCode } from '../../../src/index.js';
import {
  aJob,
  apiError,
  BASE_URL,
  expectOneErrorLine,
  gateway,
  run,
  useNock,
} from '../../fixtures.js';
import { aSubscription } from './fixtures.js';

useNock();

const url = aSubscription.url;

describe('subscriptions add', () => {
  it('sends the URL, events and selector; prints the subscription and the secret the gateway made, once', async () => {
    gateway()
      .post('/v3/jobs/subscriptions', {
        url,
        events: ['STATUS_CHANGED', 'STOP_FAILED'],
        selector: { name: 'sweep-*', status: ['FAILED'], tags: ['lr'] },
      })
      .reply(201, { ...aSubscription, secret: 'made-by-the-gateway-0123456789' });
    const r = await run([
      'subscriptions',
      'add',
      url,
      '--event',
      'STATUS_CHANGED,STOP_FAILED',
      '--name',
      'sweep-*',
      '--status',
      'failed',
      '--tag',
      'lr',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(new RegExp(`^id: +${aSubscription.id}$`, 'm'));
    expect(r.out).toMatch(/^jobs: +name=sweep-\* tags=lr$/m);
    expect(r.out).toMatch(/^secret: +made-by-the-gateway-0123456789$/m);
    expect(r.err).toMatch(/shows it only now/);
  });

  it('--job follows one job; a secret given is sent and never printed', async () => {
    gateway()
      .post('/v3/jobs/subscriptions', {
        url,
        events: ['*'],
        jobId: aJob.id,
        secret: 'my-own-secret-0123456789',
      })
      .reply(201, { ...aSubscription, events: ['*'], jobId: aJob.id, selector: null });
    const r = await run([
      'subscriptions',
      'add',
      url,
      '--event',
      '*',
      '--job',
      aJob.id,
      '--secret',
      'my-own-secret-0123456789',
    ]);
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(new RegExp(`^jobs: +job ${aJob.id}$`, 'm'));
    expect(r.out + r.err).not.toMatch(/secret/);
  });

  it("--secret - reads it from stdin (out of ps and the shell's history)", async () => {
    gateway()
      .post('/v3/jobs/subscriptions', {
        url,
        events: ['JOB_CREATED'],
        secret: 'from-stdin-0123456789',
      })
      .reply(201, { ...aSubscription, events: ['JOB_CREATED'], selector: null });
    const r = await run(['subscriptions', 'add', url, '--event', 'JOB_CREATED', '--secret', '-'], {
      stdin: 'from-stdin-0123456789\n',
    });
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).not.toContain('from-stdin');
  });

  it('--json prints the answer as it is', async () => {
    const answer = { ...aSubscription, secret: 'made-by-the-gateway-0123456789' };
    gateway().post('/v3/jobs/subscriptions').reply(201, answer);
    const r = await run(['subscriptions', 'add', url, '--event', 'STATUS_CHANGED', '--json']);
    expect(r.json()).toEqual(answer);
    expect(r.err).toBe('');
  });

  it('the webhook URL is not the gateway URL: --url still names the gateway', async () => {
    gateway()
      .post('/v3/jobs/subscriptions', { url, events: ['*'] })
      .reply(201, { ...aSubscription, events: ['*'], selector: null });
    const r = await run(['--url', BASE_URL, 'subscriptions', 'add', url, '--event', '*'], {
      env: { HPCGATE_URL: 'http://elsewhere.invalid' },
    });
    expect(r.code).toBe(ExitCode.OK);
    expect(r.out).toMatch(/^jobs: +all your jobs$/m);
  });

  it('no --event is a usage error, and nothing is sent', async () => {
    const r = await run(['subscriptions', 'add', url]);
    expect(r.code).toBe(ExitCode.USAGE);
    expectOneErrorLine(r.err, /--event STATUS_CHANGED/);
  });

  it('--job with a selector option is a usage error', async () => {
    const r = await run([
      'subscriptions',
      'add',
      url,
      '--event',
      '*',
      '--job',
      aJob.id,
      '--name',
      'x',
    ]);
    expect(r.code).toBe(ExitCode.USAGE);
  });

  it.each([
    [
      400,
      ExitCode.USAGE,
      apiError(
        'WEBHOOK_ADDRESS_FORBIDDEN',
        '127.0.0.1 is not a public address: loopback (127.0.0.0/8)',
        {
          field: 'body.url',
        },
      ),
      /not a public address/,
    ],
    [404, ExitCode.NOT_FOUND, apiError('JOB_NOT_FOUND', `job ${aJob.id} not found`), /not found/],
    [
      409,
      ExitCode.CONFLICT,
      apiError('TOO_MANY_SUBSCRIPTIONS', 'you have 100 subscriptions'),
      /100 subscriptions/,
    ],
  ])('HTTP %i → exit %i, one line', async (status, code, body, message) => {
    gateway().post('/v3/jobs/subscriptions').reply(status, body);
    const r = await run(['subscriptions', 'add', 'http://127.0.0.1/', '--event', '*']);
    expect(r.code).toBe(code);
    expectOneErrorLine(r.err, message);
    expect(r.out).toBe('');
  });
});
