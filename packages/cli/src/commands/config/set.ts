import type { Argv, CommandModule } from 'yargs';
import { profileName, readConfig, writeConfig } from '../../config.js';
import {
  type ArgsOf,
  type CommandContext,
  type GlobalArgs,
  readStdinFor,
  STDIN_ARG,
} from '../../context.js';
import { usage } from '../../errors.js';
import { printJson } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    .option('url', { type: 'string', describe: 'the gateway URL' })
    .option('token', {
      type: 'string',
      describe: 'a bearer token, or - to read it from stdin (keeps it out of shell history)',
    })
    .option('system', { type: 'string', describe: 'default execution system for jobs submit' })
    .option('default', { type: 'boolean', describe: 'make this profile the default' })
    .example('$0 config set --url http://127.0.0.1:8080 --system cluster-a', 'the default profile')
    .example('printenv MY_TOKEN | $0 config set --token -', 'a token, from stdin')
    .example('$0 config set --profile prod --url https://hpc.example.org --default', 'a profile')
    .epilogue('An empty value (--system "") removes the setting.');

/** `hpcgate config set`: writes the profile to the config file (mode 0600). */
export function setCommand(ctx: CommandContext): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'set',
    describe: 'Save the gateway URL, token or default system in a profile',
    builder,
    handler: async (args) => {
      const config = await readConfig(ctx.env);
      const name = profileName(args.profile, ctx.env, config);
      const profile = { ...config.profiles[name] };
      const token =
        args.token === STDIN_ARG ? (await readStdinFor(ctx, 'the token')).trim() : args.token;
      if (args.url) {
        try {
          new URL(args.url);
        } catch {
          throw usage(`not a URL: ${args.url}`);
        }
      }
      const changes = { url: args.url, token, system: args.system };
      if (Object.values(changes).every((v) => v === undefined) && !args.default) {
        throw usage('nothing to set: pass --url, --token, --system or --default');
      }
      for (const [key, value] of Object.entries(changes) as [keyof typeof changes, string][]) {
        if (value === '') delete profile[key];
        else if (value !== undefined) profile[key] = value;
      }
      config.profiles[name] = profile;
      if (args.default || !config.defaultProfile) config.defaultProfile = name;
      const path = await writeConfig(ctx.env, config);
      if (args.json) printJson(ctx.io, { path, profile: name, default: config.defaultProfile });
      else ctx.io.stderr(`saved profile "${name}" in ${path}\n`);
    },
  };
}
