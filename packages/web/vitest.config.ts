import { defineConfig } from 'vitest/config';

// Pure logic only (no DOM library): filters, stop modes, list merging, formatting, the client.
export default defineConfig({
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  test: { include: ['test/**/*.test.ts'], environment: 'node' },
});
