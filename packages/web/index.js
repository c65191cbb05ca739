import { fileURLToPath } from 'node:url';

/** Absolute path of the built page (`dist/`, with hashed files under `dist/assets/`). */
export const webAssetsDir = fileURLToPath(new URL('./dist/', import.meta.url));
