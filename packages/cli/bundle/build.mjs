// `npm run bundle`: the CLI's bundles (see bundle.mjs) into dist/, or into the directory given.
import { bundleCli } from './bundle.mjs';

const { report } = await bundleCli({
  dist: process.argv[2] ?? new URL('../dist', import.meta.url).pathname,
  minify: process.env.HPCGATE_NO_MINIFY !== '1',
});
if (process.env.HPCGATE_BUNDLE_REPORT) console.log('lazy contract', report);
