import { defineConfig } from 'vitest/config';
import shared from '../../vitest.shared.js';

// test/chaos kills and restarts the sandbox's controller: it runs alone, after everything else
// (`npm run test:chaos`, which `npm test` runs last), never beside other tests.
const chaos = Boolean(process.env.HPCGATE_CHAOS);
export default defineConfig({
  ...shared,
  test: {
    ...shared.test,
    include: chaos ? ['test/chaos/**/*.test.ts'] : ['test/**/*.test.ts'],
    exclude: chaos ? [] : ['test/chaos/**', '**/node_modules/**'],
  },
});
