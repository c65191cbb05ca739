import { defineConfig } from 'vite';

// Preact's JSX through Vite's own Oxc transform: no plugin, no extra dependency.
export default defineConfig({
  base: '/',
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    target: 'es2022',
    // The polyfill would be an inline <script>, which the page's CSP refuses.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into JS or CSS; every file stays a hashed file.
    assetsInlineLimit: 0,
    sourcemap: false,
  },
});
