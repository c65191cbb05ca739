import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { type GatewayConfig, gatewayConfigSchema } from './schema.js';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** Parses and validates a config object; every problem is named with its path. */
export function parseConfig(raw: unknown, source = 'config'): GatewayConfig {
  const result = gatewayConfigSchema.safeParse(raw);
  if (!result.success) {
    throw new ConfigError(`${source} is invalid:\n${z.prettifyError(result.error)}`);
  }
  return result.data;
}

/** Reads the JSON config file at `path` and validates it. */
export function loadConfigFile(path: string): GatewayConfig {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config file ${path}: ${(err as Error).message}`);
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw new ConfigError(`config file ${path} is not JSON: ${(err as Error).message}`);
  }
  return parseConfig(raw, `config file ${path}`);
}
