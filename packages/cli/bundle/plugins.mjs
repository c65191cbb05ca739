// The esbuild plugins build.mjs bundles the CLI with: each leaves out or defers something a run
// does not need, and says what and why.
import { readFile } from 'node:fs/promises';

const here = new URL('.', import.meta.url).pathname;

/**
 * Sends imports of a package to `namespace` (where a plugin wraps it), with the real package's
 * path; the wrapper's own import of the package (pluginData 'real') resolves as usual.
 */
export function resolveToNamespace(b, filter, namespace) {
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
 * when it is imported: it now loads the first time axios constructs one, from `file` (a bundle
 * of its own beside this one) or else from within this bundle.
 */
export const lazyFormData = (file) => ({
  name: 'lazy-form-data',
  setup(b) {
    resolveToNamespace(b, /^form-data$/, 'lazy-form-data');
    b.onLoad({ filter: /.*/, namespace: 'lazy-form-data' }, (args) => ({
      resolveDir: here,
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(file ? `./${file}` : args.path)}));
function FormData(options) { return new (load())(options); }
Object.defineProperty(FormData, Symbol.hasInstance, { value: (value) => value instanceof load() });
export default FormData;`,
    }));
    if (file) {
      b.onResolve({ filter: /^\.\/form-data-[^/]*\.cjs$/ }, (args) => ({
        path: args.path,
        external: true,
      }));
    }
  },
});

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

export const plugins = [lazyStringWidth, noFindUp, lazyAssert, noFetchAdapter, axiosFormDataCheck];

/** Node's modules that the SDK bundle loads on first use rather than at start (see lazyBuiltins). */
const LAZY_BUILTINS = ['crypto', 'fs/promises', 'http2', 'https', 'tls', 'zlib'];
/** Whose imports of them are deferred: axios and what it imports, and the SDK itself. */
const LAZY_BUILTIN_IMPORTERS =
  /[/\\]node_modules[/\\](axios|follow-redirects|https-proxy-agent|agent-base)[/\\]|[/\\]packages[/\\]sdk[/\\]|[/\\]node_modules[/\\]@hpcgate[/\\]sdk[/\\]/;

/**
 * https (and with it tls), http2, crypto, fs/promises and zlib are required when the SDK is
 * imported, but a `jobs get` on http:// needs none of them (crypto: an Idempotency-Key or a
 * multipart boundary; http2 only with `httpVersion: 2`; zlib a compressed answer, see axiosZlib);
 * loading them took several milliseconds. Each is now a stand-in that requires the real module
 * the first time anything of it is used: a property (`https.globalAgent`), a `new`, or a named
 * import (esbuild reads those from a namespace object whose prototype is `forward`). `__esModule`
 * is answered without loading, since esbuild's and TypeScript's interop helpers ask for it at
 * import. (test/bundle-run.test.ts runs the bundle over https, gzip, brotli, and a POST.)
 */
export const lazyBuiltins = {
  name: 'lazy-builtins',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${LAZY_BUILTINS.join('|')})$`);
    b.onResolve({ filter }, (args) =>
      LAZY_BUILTIN_IMPORTERS.test(args.importer)
        ? { path: args.path.replace(/^node:/, ''), namespace: 'lazy-builtin' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-builtin' }, (args) => ({
      loader: 'js',
      contents: `let real;
const load = () => (real ??= require(${JSON.stringify(`node:${args.path}`)}));
const target = function () {};
const forward = new Proxy(target, { get: (_, key) => load()[key] });
module.exports = new Proxy(target, {
  get: (_, key) => (key === '__esModule' ? undefined : load()[key]),
  has: (_, key) => key in load(),
  construct: (_, args) => Reflect.construct(load(), args),
  getPrototypeOf: () => forward,
});`,
    }));
    // assert: follow-redirects checks every request with assert.equal; the checks are made here,
    // and node:assert (its error formatting, colours…) loads only to report one that fails.
    b.onResolve({ filter: /^(node:)?assert$/ }, (args) =>
      LAZY_BUILTIN_IMPORTERS.test(args.importer)
        ? { path: 'assert', namespace: 'lazy-assert' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'lazy-assert' }, () => ({
      loader: 'js',
      contents: `const real = () => require('node:assert');
function assert(value, message) {
  if (!value) real()(value, message);
}
assert.ok = assert;
assert.equal = (actual, expected, message) => {
  if (actual != expected) real().equal(actual, expected, message);
};
assert.strictEqual = (actual, expected, message) => {
  if (!Object.is(actual, expected)) real().strictEqual(actual, expected, message);
};
module.exports = new Proxy(assert, {
  get: (target, key) => (key in target || key === '__esModule' ? target[key] : real()[key]),
});`,
    }));
  },
};

/**
 * The `debug` package, which follow-redirects and https-proxy-agent log through, loads
 * supports-color (os, tty) and reads $DEBUG at start: here a logger that logs nothing.
 */
export const silentDebug = {
  name: 'silent-debug',
  setup(b) {
    b.onResolve({ filter: /^debug$/ }, () => ({ path: 'debug', namespace: 'stub' }));
    b.onLoad({ filter: /^debug$/, namespace: 'stub' }, () => ({
      loader: 'js',
      contents: `function debug() {
  const log = () => {};
  log.enabled = false;
  log.extend = debug;
  return log;
}
debug.enable = () => {};
debug.disable = () => '';
debug.enabled = () => false;
module.exports = debug;`,
    }));
  },
};

/**
 * axios times each request with `performance.now()`, and the first look at `performance` loads
 * Node's perf_hooks: the same monotonic clock, from process.hrtime. Left as it is (with a
 * warning) if axios' text ever changes.
 */
export const axiosClock = {
  name: 'axios-clock',
  setup(b) {
    b.onLoad({ filter: /[/\\]axios[/\\]lib[/\\]core[/\\]dispatchRequest\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const from = `  return typeof performance !== 'undefined' && utils.isFunction(performance.now)
    ? () => performance.now()
    : Date.now;`;
      if (text.split(from).length !== 2) {
        return {
          warnings: [{ text: 'axios dispatchRequest changed: its clock is left as it is' }],
        };
      }
      return {
        contents: text.replace(from, '  return () => Number(process.hrtime.bigint()) / 1e6;'),
      };
    });
  },
};

/** Node's modules axios imports by their default export, and the names it also imports from them. */
const DEFAULT_IMPORTED = {
  http: [],
  stream: ['Readable'],
  url: ['domainToASCII'],
  util: [],
  zlib: [],
};

/**
 * `import zlib from 'zlib'` from CommonJS becomes a namespace object with one getter per export
 * (esbuild's __toESM), made at start for each importing file: some 300 getters for axios' imports
 * of http, stream (3 files), url, util (3). A module of ES syntax whose default export is
 * the module itself makes none; the names axios imports besides are listed in DEFAULT_IMPORTED (a
 * new one fails the build: "No matching export").
 */
export const builtinDefaults = {
  name: 'builtin-defaults',
  setup(b) {
    const filter = new RegExp(`^(node:)?(${Object.keys(DEFAULT_IMPORTED).join('|')})$`);
    b.onResolve({ filter }, (args) =>
      /[/\\]node_modules[/\\]axios[/\\]/.test(args.importer)
        ? { path: args.path.replace(/^node:/, ''), namespace: 'builtin-default' }
        : undefined,
    );
    b.onLoad({ filter: /.*/, namespace: 'builtin-default' }, (args) => ({
      loader: 'js',
      contents: `const m = require(${JSON.stringify(`node:${args.path}`)});
export default m;
${DEFAULT_IMPORTED[args.path].map((name) => `export const ${name} = m.${name};`).join('\n')}`,
    }));
  },
};

/**
 * axios reads zlib's constants and whether it has brotli and zstd when it is imported, which
 * loads zlib: the constants are now read when a compressed answer is decompressed; brotli is
 * there in every Node this package runs on (>= 20.19), and zstd is not asked for (an answer is
 * then gzip or brotli; Node has zstd from 22.15 only). Left as it is (with a warning) if axios'
 * text ever changes.
 */
export const axiosZlib = {
  name: 'axios-zlib',
  setup(b) {
    b.onLoad({ filter: /[/\\]axios[/\\]lib[/\\]adapters[/\\]http\.js$/ }, async (args) => {
      const text = await readFile(args.path, 'utf8');
      const edits = [
        ...['Z_SYNC_FLUSH', 'BROTLI_OPERATION_FLUSH', 'ZSTD_e_flush'].map((name) => [
          `  flush: zlib.constants.${name},\n  finishFlush: zlib.constants.${name},\n`,
          `  get flush() {\n    return zlib.constants.${name};\n  },\n  get finishFlush() {\n    return zlib.constants.${name};\n  },\n`,
        ]),
        [
          'const isBrotliSupported = utils.isFunction(zlib.createBrotliDecompress);\n',
          'const isBrotliSupported = true;\n',
        ],
        [
          'const isZstdSupported = utils.isFunction(zlib.createZstdDecompress);\n',
          'const isZstdSupported = false;\n',
        ],
      ];
      if (edits.some(([from]) => text.split(from).length !== 2)) {
        return { warnings: [{ text: 'axios http adapter changed: its zlib is left as it is' }] };
      }
      return { contents: edits.reduce((t, [from, to]) => t.replace(from, to), text) };
    });
  },
};
