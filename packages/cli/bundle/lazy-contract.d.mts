export interface LazyContract {
  /** The stand-in module (ES module syntax; `require`s `./<contractFile>` when it needs it). */
  source: string;
  report: { compiled: string[]; delegated: string[] };
}

/** The contract's stand-in: see lazy-contract.mjs. */
export function lazyContractSource(options: {
  /** The contract's entry file, imported at build time. */
  contractEntry: string;
  /** The bundle holding the real contract, beside the one this module goes into. */
  contractFile: string;
  /** The schemas to compile parsers for. */
  names: Set<string>;
}): Promise<LazyContract>;
