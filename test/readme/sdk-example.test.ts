import { execFile } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { readClusterEnv } from '../support/cluster-env.js';
import { gatewayConfigFor, type RunningGateway, startGateway } from '../support/gateway.js';
import { createIssuer } from '../support/tokens.js';

// Runs the README's SDK example, as written, against a real gateway on the real cluster.
const here = dirname(fileURLToPath(import.meta.url));
const readme = readFileSync(join(here, '../../README.md'), 'utf8');
const block = /<!-- sdk-example:start -->\s*```ts\n([\s\S]*?)```\s*<!-- sdk-example:end -->/.exec(
  readme,
);
const env = readClusterEnv();
let gateway: RunningGateway;
let token: string;
const script = join(here, `.sdk-example-${process.pid}.ts`);

beforeAll(async () => {
  const issuer = await createIssuer();
  gateway = await startGateway(gatewayConfigFor(env, issuer.jwksFile));
  token = await issuer.token('readme-reader');
});
afterAll(async () => {
  rmSync(script, { force: true });
  await gateway?.close();
});

it('the README has an SDK example, and it runs as it says', async () => {
  expect(block).not.toBeNull();
  writeFileSync(script, block![1]!);
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--conditions=source', '--import', 'tsx', script],
    {
      cwd: here,
      env: {
        ...process.env,
        HPCGATE_URL: gateway.url,
        HPCGATE_TOKEN: token,
        HPCGATE_SYSTEM: env.cluster,
      },
      timeout: 60_000,
    },
  );
  const lines = stdout.trim().split('\n');
  expect(lines[0]).toBe('submitted PROCESSING_INPUTS');
  expect(lines[1]).toMatch(/^running as Slurm job \d+$/);
  const slurmId = lines[1]!.split(' ').at(-1);
  expect(lines[2]).toBe('stdout: hello from <id>');
  expect(lines[3]).toBe('final CANCELLED CANCELLED_BY_USER');
  expect(lines[4]).toBe('not cancellable: CANCELLED');
  expect(lines[5]).toBe('files: stderr stdout');
  expect(lines[6]).toBe(`hello from ${slurmId}`);
  expect(lines).toHaveLength(7);
});
