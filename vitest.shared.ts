import { defineConfig } from 'vitest/config';

/**
 * The packages' vitest settings: workspace packages resolve to their TypeScript sources (the
 * `source` export condition), so tests need no build of their dependencies.
 */
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 30_000,
  },
});
