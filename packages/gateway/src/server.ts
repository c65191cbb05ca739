#!/usr/bin/env node
import { buildApp } from './app.js';
import { ConfigError, loadConfigFile } from './config/load.js';

// The only file that reads the process environment and listens.
const configPath = process.argv[2] ?? process.env.HPCGATE_CONFIG;
if (!configPath) {
  console.error('usage: hpcgate-gateway <config.json>   (or set HPCGATE_CONFIG)');
  process.exit(1);
}

let config: ReturnType<typeof loadConfigFile>;
try {
  config = loadConfigFile(configPath);
} catch (err) {
  if (err instanceof ConfigError) {
    console.error(err.message);
    process.exit(1);
  }
  throw err;
}

const app = await buildApp(config);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    app.log.info({ signal }, 'shutting down');
    app.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  });
}
const address = await app.listen({ host: config.listen.host, port: config.listen.port });
app.log.info(`hpcgate gateway listening on ${address}`);
