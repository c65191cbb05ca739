// The real contract, and the zod it is built with: loaded by the SDK bundle only when a stand-in
// of lazy-contract.mjs needs it.
export * from '@hpcgate/contract';
export { z } from 'zod';
