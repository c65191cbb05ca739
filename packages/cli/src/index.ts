export type { CommandContext } from './context.js';
export { ExitCode } from './errors.js';
export { main } from './main.js';
export type { Io } from './output.js';
