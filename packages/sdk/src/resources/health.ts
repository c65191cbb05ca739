import type { RequestCore } from '../core/request.js';

export interface SystemReachability {
  reachable: boolean;
  latencyMs: number | null;
  error: string | null;
  checkedAt: string;
}

export interface Health {
  status: string;
  systems: Record<string, SystemReachability>;
}

/** The gateway's liveness and readiness. */
export class HealthResource {
  constructor(private readonly core: RequestCore) {}

  /** `GET /healthz`: the gateway lives; each execution system's reachability over SSH. */
  async check(options: { signal?: AbortSignal } = {}): Promise<Health> {
    const { data } = await this.core.request<Health>({
      method: 'GET',
      path: '/healthz',
      signal: options.signal,
    });
    return data;
  }

  /** `GET /readyz`: `status` is `ready` only when every execution system answers. */
  async ready(options: { signal?: AbortSignal } = {}): Promise<Health> {
    const { data } = await this.core.request<Health>({
      method: 'GET',
      path: '/readyz',
      signal: options.signal,
      acceptStatus: [503],
    });
    return data;
  }
}
