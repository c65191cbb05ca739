export { Hpcgate } from './client.js';
export * from './core/errors.js';
export type { ClientOptions } from './core/request.js';
export type { Health, SystemReachability } from './resources/health.js';
