import { JOB_STATUSES } from '@hpcgate/contract';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { CycleStats } from '../jobs/system-monitor.js';

/** What the metrics read, each where it is already kept: nothing is counted twice. */
export interface MetricSources {
  systems(): readonly string[];
  /** The monitor's last poll cycle of a system and its running totals. */
  poll(systemId: string): { last: CycleStats | null; cycles: number; failed: number } | undefined;
  ssh(systemId: string): { open: number; max: number; commandsSent: number } | undefined;
  eventStreamClients(): number;
  logStreamClients(): number;
  webhookAttempts(): { delivered: number; pending: number; failed: number };
  /** Each lease this gateway knows of, and whether it holds it now. */
  leases(): Array<{ name: string; held: boolean }>;
  /** Jobs in the store by status (read at each scrape: one grouped count). */
  jobsByStatus(): Promise<Partial<Record<string, number>>>;
}

const DURATION_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/**
 * The gateway's Prometheus metrics (docs/metrics.md names them all). Requests are counted as they
 * are answered; everything else is read from its owner when Prometheus scrapes. Labels never name
 * a user or a job: their number stays bounded (routes are the route patterns, not the paths).
 */
export class GatewayMetrics {
  readonly registry = new Registry();
  private readonly requests: Counter<'method' | 'route' | 'status'>;
  private readonly durations: Histogram<'method' | 'route' | 'status'>;

  constructor(sources: MetricSources) {
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });
    this.requests = new Counter({
      name: 'hpcgate_http_requests_total',
      help: 'HTTP requests answered, by method, route pattern and status',
      labelNames: ['method', 'route', 'status'],
      registers,
    });
    this.durations = new Histogram({
      name: 'hpcgate_http_request_duration_seconds',
      help: 'Time to answer HTTP requests (to the end of the answer), by method, route and status',
      labelNames: ['method', 'route', 'status'],
      buckets: DURATION_BUCKETS,
      registers,
    });
    const bySystem = (name: string, help: string, read: (id: string) => number | undefined) =>
      new Gauge({
        name,
        help,
        labelNames: ['system'],
        registers,
        collect() {
          this.reset();
          for (const id of sources.systems()) {
            const value = read(id);
            if (value !== undefined) this.set({ system: id }, value);
          }
        },
      });
    bySystem(
      'hpcgate_poll_cycle_duration_seconds',
      "The last poll cycle's duration, per system",
      (id) => msToSec(sources.poll(id)?.last?.durationMs),
    );
    bySystem(
      'hpcgate_poll_cycle_commands',
      'Remote commands the last poll cycle sent, per system (one squeue, plus records when needed)',
      (id) => sources.poll(id)?.last?.commands,
    );
    bySystem(
      'hpcgate_poll_watched_jobs',
      'Jobs the last poll cycle watched, per system',
      (id) => sources.poll(id)?.last?.watchedJobs,
    );
    bySystem(
      'hpcgate_poll_last_cycle_timestamp_seconds',
      'When the last poll cycle ended (Unix time), per system',
      (id) => msToSec(Date.parse(sources.poll(id)?.last?.at ?? '') || undefined),
    );
    totals('hpcgate_poll_cycles_total', 'Poll cycles run, per system', ['system'], registers, () =>
      sources.systems().map((id) => [{ system: id }, sources.poll(id)?.cycles ?? 0]),
    );
    totals(
      'hpcgate_poll_cycles_failed_total',
      'Poll cycles that failed (the cluster did not answer usably), per system',
      ['system'],
      registers,
      () => sources.systems().map((id) => [{ system: id }, sources.poll(id)?.failed ?? 0]),
    );
    bySystem(
      'hpcgate_ssh_connections',
      'SSH connections open to the system now (one per active account, and the service one)',
      (id) => sources.ssh(id)?.open,
    );
    bySystem(
      'hpcgate_ssh_connections_max',
      "The system's maxConnections",
      (id) => sources.ssh(id)?.max,
    );
    totals(
      'hpcgate_ssh_commands_total',
      'Remote commands sent to the system since start',
      ['system'],
      registers,
      () => sources.systems().map((id) => [{ system: id }, sources.ssh(id)?.commandsSent ?? 0]),
    );
    new Gauge({
      name: 'hpcgate_stream_clients',
      help: 'Open Server-Sent Event streams, by kind (events, logs)',
      labelNames: ['kind'],
      registers,
      collect() {
        this.set({ kind: 'events' }, sources.eventStreamClients());
        this.set({ kind: 'logs' }, sources.logStreamClients());
      },
    });
    new Gauge({
      name: 'hpcgate_lease_held',
      help: 'Whether this replica holds the lease now (1) or not (0): poll:<system>, webhooks',
      labelNames: ['lease'],
      registers,
      collect() {
        this.reset();
        for (const l of sources.leases()) this.set({ lease: l.name }, l.held ? 1 : 0);
      },
    });
    new Gauge({
      name: 'hpcgate_jobs',
      help: 'Jobs in the store, by status (every replica reports the same shared figures)',
      labelNames: ['status'],
      registers,
      async collect() {
        const counts = await sources.jobsByStatus();
        this.reset();
        for (const status of JOB_STATUSES) this.set({ status }, counts[status] ?? 0);
      },
    });
    totals(
      'hpcgate_webhook_attempts_total',
      'Webhook delivery attempts, by what they left the delivery as (delivered, pending: to be retried, failed: given up)',
      ['result'],
      registers,
      () => Object.entries(sources.webhookAttempts()).map(([result, n]) => [{ result }, n]),
    );
  }

  observeRequest(method: string, route: string, status: number, seconds: number): void {
    const labels = { method, route, status: String(status) };
    this.requests.inc(labels);
    this.durations.observe(labels, seconds);
  }
}

function msToSec(ms: number | undefined): number | undefined {
  return ms === undefined ? undefined : ms / 1000;
}

/**
 * A counter whose running total its owner keeps (a monitor's cycles, a pool's commands): set
 * from that total at each scrape, so it only ever grows as the total does.
 */
function totals<L extends string>(
  name: string,
  help: string,
  labelNames: L[],
  registers: Registry[],
  read: () => Array<[Partial<Record<L, string>>, number]>,
): Counter<L> {
  const seen = new Map<string, number>();
  return new Counter({
    name,
    help,
    labelNames,
    registers,
    collect() {
      for (const [labels, total] of read()) {
        const key = JSON.stringify(labels);
        const delta = total - (seen.get(key) ?? 0);
        if (delta > 0) this.inc(labels as never, delta);
        seen.set(key, Math.max(total, seen.get(key) ?? 0));
      }
    },
  });
}
