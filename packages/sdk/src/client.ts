import { type ClientOptions, RequestCore } from './core/request.js';
import { HealthResource } from './resources/health.js';

/** The hpcgate client: one request core, one property per resource. */
export class Hpcgate {
  readonly health: HealthResource;

  constructor(options: ClientOptions) {
    const core = new RequestCore(options);
    this.health = new HealthResource(core);
  }
}
