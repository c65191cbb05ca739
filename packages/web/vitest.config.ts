import { defineConfig } from 'vitest/config';

// Pure logic only (no DOM library): filters, stop modes, list merging, formatting, the client.
// Workspace packages resolve to their sources (the `source` condition): no build needed first.
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
