// Bundles the CLI with esbuild into dist/: bin.cjs (what `hpcgate` runs: it loads the bundles
// below with a V8 code cache), cli-<hash>.cjs (the commands and yargs) and sdk-<hash>.cjs (the
// SDK, loaded only by commands that call the gateway). Bundling saves resolving and reading
// yargs' and the SDK's many modules on every run; each plugin below leaves out or defers
// something a run does not need, and says what and why.
import { execFileSync } from 'node:child_process';
import { chmod, readFile, writeFile } from 'node:fs/promises';
import { build } from 'esbuild';

const here = new URL('.', import.meta.url).pathname;

/**
 * Sends imports of a package to `namespace` (where a plugin wraps it), with the real package's
 * path; the wrapper's own import of the package (pluginData 'real') resolves as usual.
 */
function resolveToNamespace(b, filter, namespace) {
  b.onResolve({ filter }, async (args) => {
    if (args.pluginData === 'real') return undefined;
    const real = await b.resolve(args.path, {
      kind: args.kind,
      resolveDir: args.resolveDir,
      pluginData: 'real',
    });
    if (real.errors.length) return { errors: real.errors };
    return { path: real.path, namespace };
  });
}

/** string-width: a fast path for plain text; the real package loads only for other text. */
const lazyStringWidth = {
  name: 'lazy-string-width',
  setup(b) {
    resolveToNamespace(b, /^string-width$/, 'lazy-string-width');
    b.onLoad({ filter: /.*/, namespace: 'lazy-string-width' }, (args) => ({
      resolveDir: here,
      contents: `import { fastWidth } from './string-width-fast.js';
let real;
export default function stringWidth(text, options) {
  const width = fastWidth(text);
  if (width !== undefined) return width;
  real ??= require(${JSON.stringify(args.path)}).default;
  return real(text, options);
}`,
    }));
  },
};

/**
 * yargs looks for a package.json from the working directory up to / (reading each directory) to
 * guess a version and package settings; the CLI sets its version itself and has no such settings.
 */
const noFindUp = {
  name: 'no-find-up',
  setup(b) {
    b.onResolve({ filter: /^escalade\/sync$/ }, () => ({ path: 'find-up', namespace: 'stub' }));
    // The package's own package.json (beside dist/), which it reads: no walk, and no failed
    // assertion (yargs asserts that it found one).
    b.onLoad({ filter: /^find-up$/, namespace: 'stub' }, () => ({
      contents: `import { fileURLToPath } from 'node:url';
export default function findUp() { return fileURLToPath(new URL('../package.json', import.meta.url)); }`,
    }));
  },
};

/**
 * axios' fetch adapter: it reads the global Request and Response when it is imported, which makes
 * Node load undici (its own fetch), and in Node axios uses its http adapter anyway.
 */
const noFetchAdapter = {
  name: 'no-fetch-adapter',
  setup(b) {
    b.onResolve({ filter: /^\.\/fetch\.js$/ }, (args) =>
      /[/\\]axios[/\\]lib[/\\]adapters$/.test(args.resolveDir)
        ? { path: 'axios-fetch', namespace: 'stub' }
        : undefined,
    );
    b.onLoad({ filter: /^axios-fetch$/, namespace: 'stub' }, () => ({
      contents: 'export const getFetch = () => false; export default false;',
    }));
  },
};

/**
 * axios' utils read the global FormData when they are imported, which also makes Node load undici;
 * `isFormData` now reads it only for a value that could be one (not a plain object, has `append`),
 * after the checks it made anyway. Left as it is (with a warning) if axios' text ever changes.
 */
const axiosFormDataCheck = {
  name: 'axios-form-data-check',
  setup(b) {
    b.onLoad({ filter: /[/\\]axios[/\\]lib[/\\]utils\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const edits = [
        ["const FormDataCtor = typeof G.FormData !== 'undefined' ? G.FormData : undefined;\n", ''],
        ['  if (FormDataCtor && thing instanceof FormDataCtor) return true;\n', ''],
        [
          '  if (!isFunction(thing.append)) return false;\n',
          '  if (!isFunction(thing.append)) return false;\n' +
            "  if (typeof G.FormData !== 'undefined' && thing instanceof G.FormData) return true;\n",
        ],
      ];
      if (edits.some(([from]) => text.split(from).length !== 2)) {
        return { warnings: [{ text: 'axios utils changed: its FormData check is left as it is' }] };
      }
      return { contents: edits.reduce((t, [from, to]) => t.replace(from, to), text) };
    });
  },
};

/**
 * form-data (axios' multipart bodies, which the SDK never sends) loads mime-db, a large table,
 * when it is imported: it now loads the first time axios constructs one.
 */
const lazyFormData = {
  name: 'lazy-form-data',
  setup(b) {
    resolveToNamespace(b, /^form-data$/, 'lazy-form-data');
    b.onLoad({ filter: /.*/, namespace: 'lazy-form-data' }, (args) => ({
      resolveDir: here,
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(args.path)}));
function FormData(options) { return new (load())(options); }
Object.defineProperty(FormData, Symbol.hasInstance, { value: (value) => value instanceof load() });
export default FormData;`,
    }));
  },
};

/**
 * yargs checks its own invariants with node:assert, whose loading takes its error formatting (and
 * colours, streams) along: the same checks, with node:assert loaded only to report one that fails.
 */
const lazyAssert = {
  name: 'lazy-assert',
  setup(b) {
    b.onResolve({ filter: /^assert$/ }, (args) =>
      /[/\\]yargs[/\\]/.test(args.importer) ? { path: 'assert', namespace: 'stub' } : undefined,
    );
    b.onLoad({ filter: /^assert$/, namespace: 'stub' }, () => ({
      contents: `export function strictEqual(actual, expected, message) {
  if (!Object.is(actual, expected)) require('node:assert').strictEqual(actual, expected, message);
}
export function notStrictEqual(actual, expected, message) {
  if (Object.is(actual, expected)) require('node:assert').notStrictEqual(actual, expected, message);
}`,
    }));
  },
};

const plugins = [
  lazyStringWidth,
  noFindUp,
  lazyAssert,
  noFetchAdapter,
  axiosFormDataCheck,
  lazyFormData,
];

const dist = process.argv[2] ?? `${here}../dist`;
const common = {
  bundle: true,
  minify: true,
  platform: 'node',
  // CommonJS: Node's ES module loader costs more to start, and an `import` of a Node module
  // builds a namespace that reads every export, loading what fs, crypto… only load on use.
  format: 'cjs',
  target: 'node20',
  supported: { 'dynamic-import': false },
  define: { 'import.meta.url': '__hpcgateUrl' },
  banner: { js: "var __hpcgateUrl = require('node:url').pathToFileURL(__filename).href;" },
  sourcemap: true,
  metafile: true,
  logLevel: 'warning',
  plugins,
};
const outputOf = (result) =>
  Object.keys(result.metafile.outputs)
    .find((f) => f.endsWith('.cjs'))
    .replace(/.*\//, '');

// The SDK (axios, zod, the contract, openid-client) in a file of its own, loaded by the commands
// that call the gateway; names carry a hash of their content, which the code cache relies on.
const sdk = outputOf(
  await build({
    ...common,
    entryPoints: { sdk: `${here}sdk-entry.js` },
    outdir: dist,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
  }),
);
const cli = outputOf(
  await build({
    ...common,
    entryPoints: { cli: `${here}../src/bin.ts` },
    outdir: dist,
    entryNames: '[name]-[hash]',
    outExtension: { '.js': '.cjs' },
    plugins: [
      ...plugins,
      {
        name: 'sdk-bundle',
        setup(b) {
          b.onResolve({ filter: /^@hpcgate\/sdk$/ }, () => ({ path: `./${sdk}`, external: true }));
        },
      },
    ],
  }),
);

const launcher = (await readFile(`${here}launcher.cjs`, 'utf8'))
  .replace("'cli.cjs'", JSON.stringify(cli))
  .replace("'sdk.cjs'", JSON.stringify(sdk));
await writeFile(`${dist}/bin.cjs`, launcher, { mode: 0o755 });
// The same for `node dist/bin.js` (the package is ESM; this costs the ES module loader).
await writeFile(`${dist}/bin.js`, "#!/usr/bin/env node\nimport './bin.cjs';\n", { mode: 0o755 });
await chmod(`${dist}/bin.cjs`, 0o755);
await chmod(`${dist}/bin.js`, 0o755);
// A code cache for this Node, made by a first run (the SDK's is made by the first command that
// loads it). Another Node makes its own on its first run.
execFileSync(process.execPath, [`${dist}/bin.cjs`, '--help'], { stdio: 'ignore', env: {} });
