import type { Argv, CommandModule } from 'yargs';
import { configPath, MASK, type Profile, profileName, readConfig } from '../../config.js';
import type { ArgsOf, CommandContext, GlobalArgs } from '../../context.js';
import { formatKeyValue, printJson } from '../../output.js';

const builder = (y: Argv<GlobalArgs>) =>
  y.example('$0 config show', 'every profile; tokens are masked');

/** `hpcgate config show`: the config file, with every token masked. */
export function showCommand(
  ctx: CommandContext,
): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'show',
    describe: 'Print the config file (tokens masked) and the profile in use',
    builder,
    handler: async (args) => {
      const config = await readConfig(ctx.env);
      const path = configPath(ctx.env) ?? null;
      const active = profileName(args.profile, ctx.env, config);
      const profiles = Object.fromEntries(
        Object.entries(config.profiles).map(([name, p]) => [name, masked(p)]),
      );
      if (args.json) {
        printJson(ctx.io, {
          path,
          defaultProfile: config.defaultProfile ?? null,
          active,
          profiles,
        });
        return;
      }
      ctx.io.stdout(
        formatKeyValue({ path, defaultProfile: config.defaultProfile, activeProfile: active }),
      );
      for (const [name, p] of Object.entries(profiles)) {
        ctx.io.stdout(
          `\n[${name}]\n${formatKeyValue({ url: p.url ?? null, token: p.token ?? null, system: p.system ?? null })}`,
        );
      }
    },
  };
}

/** A token is never printed, not even in part. */
function masked(p: Profile): Profile {
  return { ...p, ...(p.token ? { token: MASK } : {}) };
}
