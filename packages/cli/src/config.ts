import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { usage } from './errors.js';

export interface Profile {
  url?: string;
  token?: string;
  system?: string;
}

export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, Profile>;
}

/**
 * `$HPCGATE_CONFIG_DIR`, else `$XDG_CONFIG_HOME/hpcgate`, else `$HOME/.config/hpcgate`; only
 * from the given env, so tests (and `env -i`) never see the user's real file.
 */
export function configDir(env: NodeJS.ProcessEnv): string | undefined {
  if (env.HPCGATE_CONFIG_DIR) return env.HPCGATE_CONFIG_DIR;
  if (env.XDG_CONFIG_HOME) return join(env.XDG_CONFIG_HOME, 'hpcgate');
  if (env.HOME) return join(env.HOME, '.config', 'hpcgate');
  return undefined;
}

export function configPath(env: NodeJS.ProcessEnv): string | undefined {
  const dir = configDir(env);
  return dir && join(dir, 'config.json');
}

/** The config file, or an empty one when there is none. */
export async function readConfig(env: NodeJS.ProcessEnv): Promise<ConfigFile> {
  const path = configPath(env);
  if (!path) return { profiles: {} };
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { profiles: {} };
    throw usage(`cannot read ${path}: ${(err as Error).message}`);
  }
  return parseConfig(text, path);
}

function parseConfig(text: string, path: string): ConfigFile {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw usage(`${path} is not valid JSON`);
  }
  const bad = () => usage(`${path}: expected { "defaultProfile": "…", "profiles": { … } }`);
  if (typeof data !== 'object' || data === null) throw bad();
  const { defaultProfile, profiles = {} } = data as Record<string, unknown>;
  if (defaultProfile !== undefined && typeof defaultProfile !== 'string') throw bad();
  if (typeof profiles !== 'object' || profiles === null) throw bad();
  const out: ConfigFile = { profiles: {} };
  if (defaultProfile) out.defaultProfile = defaultProfile;
  for (const [name, p] of Object.entries(profiles)) {
    if (typeof p !== 'object' || p === null) throw bad();
    const profile: Profile = {};
    for (const key of ['url', 'token', 'system'] as const) {
      const v = (p as Record<string, unknown>)[key];
      if (typeof v === 'string' && v) profile[key] = v;
    }
    out.profiles[name] = profile;
  }
  return out;
}

/** Writes the file atomically, readable by its owner only: it holds tokens. */
export async function writeConfig(env: NodeJS.ProcessEnv, config: ConfigFile): Promise<string> {
  const dir = configDir(env);
  if (!dir) throw usage('no config directory: set HOME or HPCGATE_CONFIG_DIR');
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const path = join(dir, 'config.json');
  const tmp = `${path}.${process.pid}.tmp`;
  await writeFile(tmp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600 });
  // The umask cannot widen the mode, but a stale tmp file could have kept another one.
  await chmod(tmp, 0o600);
  await rename(tmp, path);
  return path;
}

/** The profile a command uses: `--profile`, `$HPCGATE_PROFILE`, the file's default, `default`. */
export function profileName(
  explicit: string | undefined,
  env: NodeJS.ProcessEnv,
  config: ConfigFile,
): string {
  return explicit || env.HPCGATE_PROFILE || config.defaultProfile || 'default';
}

export interface Settings extends Profile {
  profile: string;
}

/** URL, token and system: flag, then environment, then the profile. */
export async function resolveSettings(
  args: { url?: string; profile?: string },
  env: NodeJS.ProcessEnv,
): Promise<Settings> {
  const config = await readConfig(env);
  const name = profileName(args.profile, env, config);
  const profile = config.profiles[name];
  if (!profile && (args.profile || env.HPCGATE_PROFILE)) {
    throw usage(`no profile "${name}" in ${configPath(env) ?? 'the config'}`);
  }
  return {
    profile: name,
    url: args.url || env.HPCGATE_URL || profile?.url,
    token: env.HPCGATE_TOKEN || profile?.token,
    system: env.HPCGATE_SYSTEM || profile?.system,
  };
}

export const MASK = '********';
