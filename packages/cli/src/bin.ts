#!/usr/bin/env node
import { main } from './main.js';

// `hpcgate jobs list | head`: a reader that went away is no reason for a stack trace.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code !== 'EPIPE') throw err;
  process.exit(process.exitCode ?? 0);
});

// The only place that exits the process. (No top-level await: the bundle is CommonJS.)
void main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
