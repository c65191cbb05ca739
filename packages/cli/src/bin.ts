#!/usr/bin/env node
import { main } from './main.js';

// The only place that exits the process.
process.exitCode = await main(process.argv.slice(2));
