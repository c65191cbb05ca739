import { readFile } from 'node:fs';
import { join } from 'node:path';
import { usage } from './errors.js';

/**
 * node:fs/promises, loaded by the first command that writes the file: loading it takes readline,
 * fs watchers and more along, which a command that only reads the file (through node:fs, loaded
 * with Node anyway) does without.
 */
const fsp = () => import('node:fs/promises');

function readText(path: string): Promise<string> {
  return new Promise((resolve, reject) =>
    readFile(path, 'utf8', (err, text) => (err ? reject(err) : resolve(text))),
  );
}

export interface Profile {
  url?: string;
  token?: string;
  system?: string;
  /** The OpenID issuer `hpcgate login` uses (kept after logout). */
  issuer?: string;
}

/**
 * What `hpcgate login` stored for a profile. Kept apart from the profiles (in `signIns`), so that
 * nothing that prints a profile can print a refresh token or a secret.
 */
export interface SignIn {
  /** `device`: a person, renewed with the refresh token; `client_credentials`: a machine client. */
  grant: 'device' | 'client_credentials';
  issuer: string;
  clientId: string;
  refreshToken?: string;
  clientSecret?: string;
  accessToken?: string;
  /** ISO 8601. */
  accessTokenExpiresAt?: string;
}

export interface ConfigFile {
  defaultProfile?: string;
  profiles: Record<string, Profile>;
  /** By profile name. */
  signIns?: Record<string, SignIn>;
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
    text = await readText(path);
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
  const { defaultProfile, profiles = {}, signIns = {} } = data as Record<string, unknown>;
  if (defaultProfile !== undefined && typeof defaultProfile !== 'string') throw bad();
  if (typeof profiles !== 'object' || profiles === null) throw bad();
  const out: ConfigFile = { profiles: {} };
  if (defaultProfile) out.defaultProfile = defaultProfile;
  for (const [name, p] of Object.entries(profiles)) {
    if (typeof p !== 'object' || p === null) throw bad();
    const profile: Profile = {};
    for (const key of ['url', 'token', 'system', 'issuer'] as const) {
      const v = (p as Record<string, unknown>)[key];
      if (typeof v === 'string' && v) profile[key] = v;
    }
    out.profiles[name] = profile;
  }
  if (typeof signIns === 'object' && signIns !== null) {
    for (const [name, s] of Object.entries(signIns)) {
      const signIn = parseSignIn(s);
      // One that makes no sense is treated as no sign-in (and dropped at the next write).
      if (signIn) out.signIns = { ...out.signIns, [name]: signIn };
    }
  }
  return out;
}

function parseSignIn(value: unknown): SignIn | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const v = value as Record<string, unknown>;
  const str = (key: string) =>
    typeof v[key] === 'string' && v[key] ? (v[key] as string) : undefined;
  const grant = v.grant;
  const issuer = str('issuer');
  const clientId = str('clientId');
  if ((grant !== 'device' && grant !== 'client_credentials') || !issuer || !clientId) {
    return undefined;
  }
  const signIn: SignIn = { grant, issuer, clientId };
  for (const key of [
    'refreshToken',
    'clientSecret',
    'accessToken',
    'accessTokenExpiresAt',
  ] as const) {
    const s = str(key);
    if (s) signIn[key] = s;
  }
  const renewable = grant === 'device' ? signIn.refreshToken : signIn.clientSecret;
  return renewable || signIn.accessToken ? signIn : undefined;
}

/** Writes the file atomically, readable by its owner only: it holds tokens. */
export async function writeConfig(env: NodeJS.ProcessEnv, config: ConfigFile): Promise<string> {
  const dir = configDir(env);
  if (!dir) throw usage('no config directory: set HOME or HPCGATE_CONFIG_DIR');
  const { chmod, mkdir, rename, writeFile } = await fsp();
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
  /** Where `token` came from, or `signIn` when the stored sign-in supplies tokens instead. */
  tokenSource?: 'env' | 'signIn' | 'profile';
  signIn?: SignIn;
}

/**
 * URL, token and system: flag, then environment, then the profile. The token: `$HPCGATE_TOKEN`,
 * else the profile's sign-in (`hpcgate login`), else the profile's static `token`.
 */
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
  const signIn = config.signIns?.[name];
  const settings: Settings = {
    profile: name,
    url: args.url || env.HPCGATE_URL || profile?.url,
    system: env.HPCGATE_SYSTEM || profile?.system,
    issuer: profile?.issuer,
  };
  if (env.HPCGATE_TOKEN) {
    settings.token = env.HPCGATE_TOKEN;
    settings.tokenSource = 'env';
  } else if (signIn) {
    settings.signIn = signIn;
    settings.tokenSource = 'signIn';
  } else if (profile?.token) {
    settings.token = profile.token;
    settings.tokenSource = 'profile';
  }
  return settings;
}

/**
 * Reads the file, lets `change` edit it, and writes it back (mode 0600): for saving a sign-in
 * or its renewed tokens without losing what another command wrote meanwhile.
 */
export async function updateConfig(
  env: NodeJS.ProcessEnv,
  change: (config: ConfigFile) => void,
): Promise<string> {
  const config = await readConfig(env);
  change(config);
  if (config.signIns && Object.keys(config.signIns).length === 0) delete config.signIns;
  return writeConfig(env, config);
}

export const MASK = '********';

const LOCK_WAIT_MS = 15_000;
const LOCK_STALE_MS = 60_000;

/**
 * Runs `fn` holding `config.json.lock` (created exclusively), so that commands run in parallel
 * renew a stored sign-in one at a time: a rotated refresh token is single-use, and reusing one
 * makes identity providers revoke the whole sign-in. A lock older than a minute is a crashed
 * command's, and is taken over.
 */
export async function withConfigLock<T>(env: NodeJS.ProcessEnv, fn: () => Promise<T>): Promise<T> {
  const dir = configDir(env);
  if (!dir) return fn();
  const { mkdir, open, stat, unlink } = await fsp();
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const lock = join(dir, 'config.json.lock');
  const deadline = Date.now() + LOCK_WAIT_MS;
  for (;;) {
    try {
      const handle = await open(lock, 'wx', 0o600);
      await handle.writeFile(`${process.pid}\n`);
      await handle.close();
      break;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
      const age = await stat(lock).then(
        (s) => Date.now() - s.mtimeMs,
        () => 0,
      );
      if (age > LOCK_STALE_MS) await unlink(lock).catch(() => {});
      else if (Date.now() > deadline) {
        throw usage(`${lock} is held by another hpcgate command; remove it if none is running`);
      } else await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    }
  }
  try {
    return await fn();
  } finally {
    await unlink(lock).catch(() => {});
  }
}
