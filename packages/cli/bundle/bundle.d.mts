/** Writes the CLI's bundles into `dist`: see bundle.mjs. */
export function bundleCli(options: {
  dist: string;
  minify?: boolean;
  /** From the workspace packages' TypeScript sources rather than their dist/. */
  source?: boolean;
}): Promise<{
  cli: string;
  lazy: string[];
  report: { compiled: string[]; delegated: string[] };
}>;
