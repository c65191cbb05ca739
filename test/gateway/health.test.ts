import { Hpcgate } from '@hpcgate/sdk';
import { ExitCode, main } from 'hpcgate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, type RunningGateway, startGateway } from '../support/gateway.js';
import { createIssuer } from '../support/tokens.js';

const env = readClusterEnv();
let gateway: RunningGateway;

beforeAll(async () => {
  gateway = await startGateway(gatewayConfigFor(env, (await createIssuer()).jwksFile));
});
afterAll(() => gateway?.close());

describe('gateway health over HTTP, against the real cluster', () => {
  it('the SDK reads the cluster as reachable over SSH', async () => {
    const health = await new Hpcgate({ baseUrl: gateway.url }).health.check();
    expect(health.status).toBe('ok');
    expect(health.systems[env.cluster]).toMatchObject({ reachable: true, error: null });
  });

  it('the CLI prints a table and exits 0', async () => {
    let out = '';
    const code = await main(['health', '--url', gateway.url], {
      io: { stdout: (t) => (out += t), stderr: () => {} },
      env: {},
    });
    expect(code).toBe(ExitCode.OK);
    expect(out).toMatch(/^SYSTEM\s+REACHABLE\s+LATENCY_MS\s+ERROR$/m);
    expect(out).toMatch(new RegExp(`^${env.cluster}\\s+yes\\s+[0-9.]+\\s+-$`, 'm'));
  });

  it('the CLI with --json prints only JSON', async () => {
    let out = '';
    const code = await main(['health', '--json', '--url', gateway.url], {
      io: { stdout: (t) => (out += t), stderr: () => {} },
      env: {},
    });
    expect(code).toBe(ExitCode.OK);
    expect(JSON.parse(out).systems[env.cluster].reachable).toBe(true);
  });
});
