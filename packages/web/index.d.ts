/** Absolute path of the built page (`dist/`, with hashed files under `dist/assets/`). */
export declare const webAssetsDir: string;
