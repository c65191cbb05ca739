import type { CreateSubscriptionRequest, SubscriptionEventType } from '@hpcgate/sdk';
import type { Argv, CommandModule } from 'yargs';
import { listValues } from '../../args.js';
import {
  type ArgsOf,
  type CommandContext,
  clientFor,
  type GlobalArgs,
  readStdinFor,
  STDIN_ARG,
} from '../../context.js';
import { usage } from '../../errors.js';
import { printKeyValue } from '../../output.js';
import { parseStatuses } from '../jobs/parse.js';
import { subscriptionFields } from './views.js';

const builder = (y: Argv<GlobalArgs>) =>
  y
    // Not `url`: that is the global option naming the gateway.
    .positional('webhook-url', {
      type: 'string',
      demandOption: true,
      describe: 'where the gateway POSTs the events (http:// or https://)',
    })
    .option('event', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: "event types (repeatable, or a comma list), e.g. STATUS_CHANGED; '*' for all",
    })
    .option('job', { type: 'string', describe: 'only this job of yours (its id)' })
    .option('name', { type: 'string', describe: 'only your jobs with this name or * pattern' })
    .option('status', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: "only events whose status is one of these (the job's once the event was written)",
    })
    .option('tag', {
      type: 'string',
      array: true,
      nargs: 1,
      describe: 'only your jobs with every one of these tags (repeatable)',
    })
    .option('secret', {
      type: 'string',
      describe:
        "the signing secret (16–256 characters; '-' reads it from stdin); default: made by the gateway and shown once",
    })
    .conflicts('job', ['name', 'status', 'tag'])
    .example('$0 subscriptions add https://ci.example/h --event STATUS_CHANGED', 'status changes')
    .example("$0 subscriptions add https://ci.example/h --event '*' --job <id>", 'one job, all')
    .example("$0 subscriptions add <url> --event '*' --secret -", 'the secret read from stdin');

/**
 * `hpcgate subscriptions add <webhook-url>`: a webhook on events of the caller's jobs. A secret the
 * gateway made is printed once (it cannot be read again); one given is never printed.
 */
export function addCommand(ctx: CommandContext): CommandModule<GlobalArgs, ArgsOf<typeof builder>> {
  return {
    command: 'add <webhook-url>',
    describe: 'Subscribe a URL to events of your jobs (a webhook)',
    builder,
    handler: async (args) => {
      const events = listValues(args.event) as SubscriptionEventType[];
      if (events.length === 0) {
        throw usage("name the events: --event STATUS_CHANGED (or --event '*' for all)");
      }
      const request: CreateSubscriptionRequest = { url: args.webhookUrl, events };
      if (args.job) request.jobId = args.job;
      const status = parseStatuses(args.status);
      const tags = listValues(args.tag);
      if (args.name !== undefined || status.length || tags.length) {
        request.selector = {
          ...(args.name !== undefined ? { name: args.name } : {}),
          ...(status.length ? { status } : {}),
          ...(tags.length ? { tags } : {}),
        };
      }
      if (args.secret === STDIN_ARG) {
        request.secret = (await readStdinFor(ctx, 'the secret')).replace(/\r?\n$/, '');
      } else if (args.secret !== undefined) {
        request.secret = args.secret;
      }
      const created = await (await clientFor(args, ctx)).subscriptions.createSubscription(request);
      const { secret, ...subscription } = created;
      printKeyValue(ctx.io, { ...subscriptionFields(subscription), secret }, args.json, created);
      if (secret !== undefined && !args.json) {
        ctx.io.stderr(
          'the gateway made this secret and shows it only now: keep it to verify deliveries\n',
        );
      }
    },
  };
}
