#!/usr/bin/env node
'use strict';
// `hpcgate`: runs the bundled CLI (and, when a command needs it, the bundled SDK) through V8's code
// cache, as Node 22's module.enableCompileCache() would: a run starts from the bytecode an earlier
// run compiled instead of parsing and compiling a megabyte of JavaScript again. The cache of each
// bundle sits beside it, per Node version; a missing one is written by the first run that loads
// the bundle (when the directory is writable), and one V8 rejects is simply not used. The bundles'
// names carry a hash of their content, so a cache always belongs to the very text it was made from.
// build.mjs fills in the two names.
const { accessSync, constants, readFileSync, renameSync, writeFileSync } = require('node:fs');
const { Script } = require('node:vm');

const CLI = 'cli.cjs';
const SDK = 'sdk.cjs';
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
  // A `#!` line is only allowed at the very start of a file; it becomes a comment here.
  const source = readFileSync(file, 'utf8').replace(/^#!/, '//');
  const script = new Script(
    `(function (exports, require, module, __filename, __dirname) {\n${source}\n})`,
    { filename: file, lineOffset: -1, cachedData },
  );
  if (!cachedData) toWrite.push({ script, cacheFile });
  const module = { exports: {} };
  loaded.set(name, module);
  script
    .runInThisContext()
    .call(module.exports, module.exports, bundleRequire, module, file, __dirname);
  return module.exports;
}

/** What the bundles `require`: the SDK bundle through `load`, anything else (Node's) as usual. */
function bundleRequire(id) {
  if (id !== `./${SDK}`) return require(id);
  return loaded.get(SDK)?.exports ?? load(SDK);
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
