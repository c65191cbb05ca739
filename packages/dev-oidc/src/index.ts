export type { DevOidcClient, DevOidcUser } from './accounts.js';
export { DEMO_CLIENTS, DEMO_USERS, DEVICE_CODE_GRANT } from './accounts.js';
export type { SigningAlg } from './config.js';
export type { DeviceAuthorization, TokenResponse } from './device.js';
export type { DevOidcOptions, DevOidcProvider } from './server.js';
export { startDevOidcProvider } from './server.js';
