export { type AppOptions, buildApp, gatewayApp } from './app.js';
export { ConfigError, loadConfigFile, parseConfig } from './config/load.js';
export type { ExecutionSystemConfig, GatewayConfig, GatewayConfigInput } from './config/schema.js';
