import {
  type Healthz,
  healthzResponseSchema,
  type Readyz,
  readyzResponseSchema,
} from '@hpcgate/contract';
import type { RequestCore } from '../core/request.js';

/** The gateway's liveness and readiness. */
export class Health {
  constructor(private readonly core: RequestCore) {}

  /** `GET /healthz`: the gateway lives; each execution system's reachability over SSH. */
  async check(options: { signal?: AbortSignal } = {}): Promise<Healthz> {
    const { data } = await this.core.request({
      method: 'GET',
      path: '/healthz',
      signal: options.signal,
      schema: healthzResponseSchema,
    });
    return data;
  }

  /** `GET /readyz`: `status` is `ready` only when the store and every system answer. */
  async ready(options: { signal?: AbortSignal } = {}): Promise<Readyz> {
    const { data } = await this.core.request({
      method: 'GET',
      path: '/readyz',
      signal: options.signal,
      schema: readyzResponseSchema,
      acceptStatus: [503],
    });
    return data;
  }
}
