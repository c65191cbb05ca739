#!/usr/bin/env node
'use strict';
// `hpcgate`: runs the bundled CLI (and, when a command needs them, the other bundles: yargs, the
// SDK, the contract, openid-client…) through V8's code cache, as Node 22's
// module.enableCompileCache() would: a run starts from the bytecode an earlier run compiled
// instead of parsing and compiling the JavaScript again. The cache of each
// bundle sits beside it, per Node version; a missing one is written by the first run that loads
// the bundle (when the directory is writable), and one V8 rejects is simply not used. The bundles'
// names carry a hash of their content, so a cache always belongs to the very text it was made from.
// build.mjs fills in the names.
const { accessSync, constants, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');

const CLI = 'cli.cjs';
/** The bundles the others `require('./<name>')`, loaded the first time one does. */
const LAZY = new Set(['sdk.cjs']);
const tag = `${process.version}-${process.arch}`;
const loaded = new Map();
const toWrite = [];

function load(name) {
  const file = `${__dirname}/${name}`;
  const cacheFile = `${file}.${tag}.cache`;
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    // None yet: made at exit.
  }
  // Each bundle is one function expression, `(function (exports, require, module, __filename,
  // __dirname) {…})`, written so by build (no copy of its text to wrap it); ASCII only (esbuild
  // escapes the rest), so read as latin1, the cheapest decoding.
  const script = new Script(readFileSync(file, 'latin1'), { filename: file, cachedData });
  if (!cachedData) toWrite.push({ script, cacheFile });
  const module = { exports: {} };
  loaded.set(name, module);
  script
    .runInThisContext()
    .call(module.exports, module.exports, bundleRequire, module, file, __dirname);
  return module.exports;
}

/** What the bundles `require`: the other bundles through `load`, anything else (Node's) as usual. */
function bundleRequire(id) {
  const name = id.startsWith('./') ? id.slice(2) : undefined;
  if (!name || !LAZY.has(name)) return require(id);
  return loaded.get(name)?.exports ?? load(name);
}

process.once('exit', () => {
  if (toWrite.length === 0) return;
  try {
    accessSync(__dirname, constants.W_OK);
  } catch {
    return;
  }
  for (const { script, cacheFile } of toWrite) {
    const temporary = `${cacheFile}.${process.pid}`;
    try {
      // Whole or not at all: another run may be writing the same cache.
      writeFileSync(temporary, script.createCachedData());
      renameSync(temporary, cacheFile);
    } catch {
      // A cache is an optimisation: never a reason to fail.
    }
  }
});

load(CLI);
