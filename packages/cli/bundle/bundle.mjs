// Bundles the CLI with esbuild into a dist/ directory: bin.cjs (what `hpcgate` runs: it loads
// the bundles below with a V8 code cache), cli-<hash>.cjs (the commands, what every run reads), and bundles
// loaded only by the runs that need them: yargs-<hash>.cjs (all but the plainest commands, see
// main.ts), sdk-<hash>.cjs (commands that call the gateway), contract-<hash>.cjs (zod and the
// real schemas, see lazy-contract.mjs), oidc-<hash>.cjs (sign-ins), form-data-<hash>.cjs.
// Bundling saves resolving and reading yargs' and the SDK's many modules on every run; each plugin
// (plugins.mjs) leaves out or defers something a run does not need, and says what and why.
import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { chmod, readdir, readFile, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { build } from 'esbuild';
import { lazyContractSource } from './lazy-contract.mjs';
import {
  axiosClock,
  axiosZlib,
  builtinDefaults,
  lazyBuiltins,
  lazyFormData,
  plugins,
  silentDebug,
} from './plugins.mjs';

const here = new URL('.', import.meta.url).pathname;

/** Where `name` is installed, as seen from `from` (a directory). */
function packageDir(name, from) {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) return realpathSync(candidate);
    if (dir === dirname(dir)) throw new Error(`bundle: cannot find ${name} from ${from}`);
  }
}

/**
 * Writes the bundles into `dist` (a directory beside the package's package.json, which they read).
 * `source`: from the workspace packages' TypeScript sources (the `source` export condition), as the
 * tests run them, rather than from their built dist/.
 */
export async function bundleCli({ dist, minify = true, source = false }) {
  const common = {
    bundle: true,
    minify,
    platform: 'node',
    // CommonJS: Node's ES module loader costs more to start, and an `import` of a Node module
    // builds a namespace that reads every export, loading what fs, crypto… only load on use.
    format: 'cjs',
    target: 'node20',
    supported: { 'dynamic-import': false },
    define: { 'import.meta.url': '__hpcgateUrl' },
    // The launcher runs each bundle as this function (as Node's loader wraps a module).
    banner: {
      js: "(function (exports, require, module, __filename, __dirname) {\nvar __hpcgateUrl = require('node:url').pathToFileURL(__filename).href;",
    },
    footer: { js: '})' },
    charset: 'ascii',
    sourcemap: true,
    metafile: true,
    logLevel: 'warning',
    plugins,
    ...(source ? { conditions: ['source'] } : {}),
  };
  const outputOf = (result) =>
    Object.keys(result.metafile.outputs)
      .find((f) => f.endsWith('.cjs'))
      .replace(/.*\//, '');

  /** Bundles `entry` as dist/<name>-<hash>.cjs (the content's hash, which the code cache relies on). */
  const bundle = async (name, entry, first = []) =>
    outputOf(
      await build({
        ...common,
        entryPoints: { [name]: entry },
        outdir: dist,
        entryNames: '[name]-[hash]',
        outExtension: { '.js': '.cjs' },
        plugins: [...first, ...plugins],
      }),
    );

  /** Imports of `filter` become `require('./<file>')`: a bundle of its own, loaded when first used. */
  const toBundle = (filter, file) => ({
    name: `to-${file}`,
    setup(b) {
      b.onResolve({ filter }, () => ({ path: `./${file}`, external: true }));
    },
  });

  const sdkDir = packageDir('@hpcgate/sdk', here);
  const requireFromSdk = createRequire(join(sdkDir, 'package.json'));

  // What only some commands need, each in a file of its own so that the others neither read nor
  // deserialize it: form-data (and mime-db), openid-client (and jose, oauth4webapi), the real
  // contract with zod, yargs.
  const formData = await bundle(
    'form-data',
    createRequire(requireFromSdk.resolve('axios')).resolve('form-data'),
  );
  const oidc = await bundle('oidc', `${here}oidc-entry.js`);
  const contract = await bundle('contract', `${here}contract-entry.js`);

  // What the SDK imports from the contract: the schemas it parses answers with get compiled parsers.
  const contractDir = packageDir('@hpcgate/contract', sdkDir);
  const contractEntry = source
    ? join(contractDir, 'src/index.ts')
    : requireFromSdk.resolve('@hpcgate/contract');
  const sdkCode = join(sdkDir, source ? 'src' : 'dist');
  const sdkImports = new Set();
  for (const file of await readdir(sdkCode, { recursive: true })) {
    if (!/\.[jt]s$/.test(file) || file.endsWith('.d.ts')) continue;
    const text = await readFile(join(sdkCode, file), 'utf8');
    for (const [, list] of text.matchAll(/import \{([^}]*)\} from '@hpcgate\/contract'/g)) {
      for (const item of list.split(',').map((i) => i.trim())) {
        if (item && !item.startsWith('type ')) sdkImports.add(item);
      }
    }
  }
  const lazy = await lazyContractSource({
    contractEntry,
    contractFile: contract,
    names: sdkImports,
  });
  // A schema the SDK parses with that zod would not compile still works (the real one answers),
  // at the cost of loading zod: say so.
  const slow = lazy.report.delegated.filter((name) => sdkImports.has(name));
  if (slow.length) console.warn(`bundle: no compiled parser for ${slow.join(', ')}`);

  /** The SDK's imports of the contract (and of zod) go to the stand-ins. */
  const lazyContract = {
    name: 'lazy-contract',
    setup(b) {
      b.onResolve({ filter: /^@hpcgate\/contract$/ }, () => ({
        path: 'contract',
        namespace: 'lazy',
      }));
      b.onResolve({ filter: /^zod$/ }, () => ({ path: 'zod', namespace: 'lazy' }));
      b.onResolve({ filter: /^\.\/contract-[^/]*\.cjs$/ }, (args) => ({
        path: args.path,
        external: true,
      }));
      b.onLoad({ filter: /^contract$/, namespace: 'lazy' }, () => ({
        contents: lazy.source,
        resolveDir: here,
      }));
      // The SDK's own use of zod (z.unknown() for an answer without a body): zod from the contract's file.
      b.onLoad({ filter: /^zod$/, namespace: 'lazy' }, () => ({
        contents: `let real;
export const z = new Proxy({}, { get: (_, key) => (real ??= require(${JSON.stringify(`./${contract}`)}).z)[key] });`,
      }));
    },
  };

  // The SDK (axios), loaded by the commands that call the gateway.
  const sdk = await bundle('sdk', `${here}sdk-entry.js`, [
    lazyContract,
    toBundle(/^openid-client$/, oidc),
    lazyFormData(formData),
    lazyBuiltins,
    builtinDefaults,
    silentDebug,
    axiosClock,
    axiosZlib,
  ]);
  const yargsFile = await bundle('yargs', `${here}yargs-entry.js`);
  // The commands: what every run reads.
  const cli = await bundle('cli', `${here}../src/bin.ts`, [
    toBundle(/^@hpcgate\/sdk$/, sdk),
    {
      // `import('yargs')`: its default export is the yargs bundle's `default`.
      name: 'yargs-bundle',
      setup(b) {
        b.onResolve({ filter: /^yargs$/ }, () => ({ path: 'yargs', namespace: 'yargs-bundle' }));
        b.onLoad({ filter: /.*/, namespace: 'yargs-bundle' }, () => ({
          contents: `export default require(${JSON.stringify(`./${yargsFile}`)}).default;`,
        }));
        b.onResolve({ filter: /^\.\/yargs-[^/]*\.cjs$/ }, (args) => ({
          path: args.path,
          external: true,
        }));
      },
    },
  ]);
  const lazyFiles = [sdk, contract, oidc, formData, yargsFile];
  // The launcher reads them as latin1, which is their text only while they are ASCII (esbuild
  // escapes all else in code; unminified, comments may still hold some, which latin1 only garbles).
  for (const file of minify ? [cli, ...lazyFiles] : []) {
    if ((await readFile(join(dist, file))).some((byte) => byte > 0x7f)) {
      throw new Error(`bundle: ${file} is not ASCII`);
    }
  }

  const launcher = (await readFile(`${here}launcher.cjs`, 'utf8'))
    .replace("'cli.cjs'", JSON.stringify(cli))
    .replace("['sdk.cjs']", JSON.stringify(lazyFiles));
  await writeFile(`${dist}/bin.cjs`, launcher, { mode: 0o755 });
  // The same for `node dist/bin.js` (the package is ESM; this costs the ES module loader).
  await writeFile(`${dist}/bin.js`, "#!/usr/bin/env node\nimport './bin.cjs';\n", { mode: 0o755 });
  await chmod(`${dist}/bin.cjs`, 0o755);
  await chmod(`${dist}/bin.js`, 0o755);
  // A code cache for this Node, made by a first run (the SDK's is made by the first command that
  // loads it). Another Node makes its own on its first run.
  execFileSync(process.execPath, [`${dist}/bin.cjs`, '--help'], { stdio: 'ignore', env: {} });
  return { cli, lazy: lazyFiles, report: lazy.report };
}
