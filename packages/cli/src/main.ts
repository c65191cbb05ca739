import { readFileSync } from 'node:fs';
import type { ArgumentsCamelCase } from 'yargs';
import { loginCommand, logoutCommand, whoamiCommand } from './commands/auth/index.js';
import { configCommand } from './commands/config/index.js';
import { healthCommand } from './commands/health.js';
import { getCommand } from './commands/jobs/get.js';
import { jobsCommand } from './commands/jobs/index.js';
import { statusCommand } from './commands/jobs/status.js';
import { subscriptionsCommand } from './commands/subscriptions/index.js';
import { type CommandContext, type GlobalArgs, processContext, STDIN_ARG } from './context.js';
import { CliError, ExitCode, toCliError } from './errors.js';

// yargs wraps at 80 columns: every line stays shorter.
const EPILOGUE = `Exit codes:
  0  success
  1  usage error; confirmation refused, or needed and not given (--yes)
  2  not found
  3  conflict: e.g. the job had already ended and cannot be stopped
  4  authentication or permission (HTTP 401/403)
  5  gateway error, unreachable, or no answer in time (also --timeout)
  6  the job ended FAILED or CANCELLED (submit --wait, wait --exit-status)

Settings: --url, else $HPCGATE_URL, else the profile (hpcgate config set).
Token: $HPCGATE_TOKEN, else the profile's sign-in (hpcgate login; renewed
automatically), else the profile's token. Profiles: config.json in
$HPCGATE_CONFIG_DIR, else $XDG_CONFIG_HOME/hpcgate, else ~/.config/hpcgate.`;

const version = () =>
  (
    JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
      version: string;
    }
  ).version;

/**
 * Commands whose arguments are one id, run without yargs (loading and setting it up is most of a
 * short command's own time) when typed in the plainest form; see `plainCommand`.
 */
const PLAIN_COMMANDS: Record<string, (ctx: CommandContext) => PlainModule> = {
  'jobs get': getCommand,
  'jobs status': statusCommand,
};

export interface PlainCommand {
  command: string;
  /** What yargs would hand the command's handler. */
  args: ArgumentsCamelCase<GlobalArgs & { id: string }>;
}

type PlainModule = { handler: (args: PlainCommand['args']) => void | Promise<void> };

/**
 * `argv` as yargs would parse it, when it is one of PLAIN_COMMANDS with its id and nothing but
 * `--json`, `--url <url>`, `--profile <name>` (each at most once, also as `--url=<url>`), in any
 * order; otherwise undefined, and yargs parses it (with its help, its checks and its messages).
 */
export function plainCommand(argv: string[]): PlainCommand | undefined {
  const positionals: string[] = [];
  const flags: { json?: boolean; url?: string; profile?: string } = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--json') {
      if (flags.json) return undefined;
      flags.json = true;
      continue;
    }
    const m = /^--(url|profile)(?:=(.*))?$/s.exec(a);
    if (m) {
      const key = m[1] as 'url' | 'profile';
      const value = m[2] ?? argv[++i];
      if (flags[key] !== undefined || value === undefined || value.startsWith('-')) {
        return undefined;
      }
      flags[key] = value;
      continue;
    }
    if (a === '' || a.startsWith('-')) return undefined;
    positionals.push(a);
  }
  if (positionals.length !== 3) return undefined;
  const [group, verb, id] = positionals as [string, string, string];
  const command = `${group} ${verb}`;
  if (!Object.hasOwn(PLAIN_COMMANDS, command)) return undefined;
  const args: PlainCommand['args'] = { _: [group, verb], $0: 'hpcgate', id, json: !!flags.json };
  if (flags.url !== undefined) args.url = flags.url;
  if (flags.profile !== undefined) args.profile = flags.profile;
  return { command, args };
}

/**
 * Runs the CLI on `argv` (without `node` and the script) and resolves to the exit code.
 * It never exits the process: only bin.ts does.
 */
export async function main(argv: string[], ctx: Partial<CommandContext> = {}): Promise<number> {
  const context: CommandContext = { ...processContext(), ...ctx };
  let failure: CliError | undefined;
  const plain = plainCommand(argv);
  try {
    if (plain) await PLAIN_COMMANDS[plain.command]!(context).handler(plain.args);
    else await parse(argv, context);
  } catch (err) {
    failure = toCliError(err);
  }
  if (!failure) return ExitCode.OK;
  if (!failure.reported) context.io.stderr(`hpcgate: ${oneLine(failure.message)}\n`);
  return failure.exitCode;
}

/** The whole CLI, through yargs (loaded only here). */
async function parse(argv: string[], context: CommandContext): Promise<void> {
  const { default: yargs } = await import('yargs');
  const parser = yargs()
    .scriptName('hpcgate')
    .usage('$0 <command> [options]')
    .option('url', { type: 'string', describe: 'gateway URL (default: $HPCGATE_URL, the profile)' })
    .option('profile', { type: 'string', describe: 'config profile (default: $HPCGATE_PROFILE)' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON and nothing else' })
    .command(jobsCommand(context))
    .command(subscriptionsCommand(context))
    .command(configCommand(context))
    .command(healthCommand(context))
    .command(loginCommand(context))
    .command(logoutCommand(context))
    .command(whoamiCommand(context))
    .completion(
      'completion',
      'Print a bash/zsh completion script (hpcgate completion >> ~/.bashrc)',
    )
    .demandCommand(1, 'name a command')
    .strict()
    // Arguments after `--` go to the script as typed: `1e3` stays `1e3`, not 1000.
    .parserConfiguration({ 'populate--': true, 'parse-positional-numbers': false })
    // English whatever $LANG says: messages are one documented line, and tests match them.
    .detectLocale(false)
    .epilogue(EPILOGUE)
    .version(version())
    .help()
    .exitProcess(false)
    // Throw, so that yargs stops there: after a fail() that returns, it runs the handler anyway.
    .fail((msg, err) => {
      throw err ?? new CliError(msg, ExitCode.USAGE);
    });
  await parser.parseAsync(withStdinMarker(argv), {}, (_err, _argv, output) => {
    if (output) context.io.stdout(`${output}\n`);
  });
}

/** A lone `-` (before `--`) means stdin; yargs would drop it, so it travels as STDIN_ARG. */
function withStdinMarker(argv: string[]): string[] {
  const end = argv.indexOf('--');
  return argv.map((a, i) => (a === '-' && (end < 0 || i < end) ? STDIN_ARG : a));
}

function oneLine(message: string): string {
  return (
    message
      .replace(/:\s*\n\s*/g, ': ')
      .replace(/\s*\n\s*/g, '; ')
      .trim() || 'failed'
  );
}
