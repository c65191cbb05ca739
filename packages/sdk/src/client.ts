import { type ClientOptions, RequestCore } from './core/request.js';
import { Health } from './resources/health.js';
import { Jobs } from './resources/jobs.js';
import { Subscriptions } from './resources/subscriptions.js';

/** The hpcgate client: one request core, one property per resource. */
export class Hpcgate {
  readonly jobs: Jobs;
  readonly health: Health;
  readonly subscriptions: Subscriptions;

  constructor(options: ClientOptions) {
    const core = new RequestCore(options);
    this.jobs = new Jobs(core);
    this.health = new Health(core);
    this.subscriptions = new Subscriptions(core);
  }
}
