import type { FastifyBaseLogger } from 'fastify';
import pg from 'pg';
import type { BusMessage, ReplicaBus } from '../replica-bus.js';

/** NOTIFY's payload limit is 8,000 bytes: job ids go out in batches well under it. */
const IDS_PER_MESSAGE = 150;
const RECONNECT_MS = [250, 500, 1_000, 2_000, 5_000];

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms).unref());

interface Envelope {
  from: string;
  message: BusMessage;
}

/**
 * The replicas' bus on PostgreSQL's LISTEN/NOTIFY: one listening connection of its own
 * (reconnected when it drops, and then everyone following hears `resync`), and NOTIFY through
 * the pool. Job ids changed in one turn of the event loop go out together. The channel is the
 * schema's: gateways on other schemas of the database hear nothing of these.
 */
export class PgBus implements ReplicaBus {
  private readonly listeners = new Set<(m: BusMessage) => void>();
  private readonly resyncListeners = new Set<() => void>();
  private client: pg.Client | null = null;
  private closed = false;
  private pendingIds = new Set<string>();
  private flushScheduled = false;
  readonly channel: string;

  constructor(
    private readonly pool: pg.Pool,
    private readonly connection: pg.ClientConfig,
    schema: string,
    private readonly replicaId: string,
    private readonly log: FastifyBaseLogger,
  ) {
    this.channel = `hpcgate_${schema}`.slice(0, 63);
  }

  async start(): Promise<void> {
    await this.listen();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.flush();
    await this.client?.end().catch(() => {});
    this.client = null;
  }

  publish(message: BusMessage): void {
    if (this.closed) return;
    if (message.type === 'jobs') {
      for (const id of message.ids) this.pendingIds.add(id);
      if (!this.flushScheduled) {
        this.flushScheduled = true;
        setImmediate(() => this.flush());
      }
      return;
    }
    this.send(message);
  }

  subscribe(listener: (message: BusMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  onResync(listener: () => void): () => void {
    this.resyncListeners.add(listener);
    return () => this.resyncListeners.delete(listener);
  }

  private flush(): void {
    this.flushScheduled = false;
    const ids = [...this.pendingIds];
    this.pendingIds = new Set();
    for (let i = 0; i < ids.length; i += IDS_PER_MESSAGE) {
      this.send({ type: 'jobs', ids: ids.slice(i, i + IDS_PER_MESSAGE) });
    }
  }

  private send(message: BusMessage): void {
    const envelope: Envelope = { from: this.replicaId, message };
    this.pool
      .query('SELECT pg_notify($1, $2)', [this.channel, JSON.stringify(envelope)])
      .catch((err: Error) =>
        // Others miss a wake-up: their streams catch up with the next one, their safety polls.
        this.log.warn({ err: err.message, type: message.type }, 'replica message not sent'),
      );
  }

  private async listen(): Promise<void> {
    const client = new pg.Client(this.connection);
    client.on('notification', (n) => this.receive(n.payload));
    client.on('error', (err) => {
      this.log.warn({ err: err.message }, 'replica bus connection failed');
      this.reconnect(client);
    });
    client.on('end', () => this.reconnect(client));
    try {
      await client.connect();
      await client.query(`LISTEN "${this.channel}"`);
    } catch (err) {
      await client.end().catch(() => {});
      throw err;
    }
    this.client = client;
  }

  /** The listening connection dropped: a new one, after a growing pause, then `resync`. */
  private reconnect(dead: pg.Client): void {
    if (this.closed || this.client !== dead) return;
    this.client = null;
    dead.end().catch(() => {});
    void this.reconnectLoop();
  }

  private async reconnectLoop(): Promise<void> {
    for (let attempt = 0; !this.closed; attempt++) {
      await sleep(RECONNECT_MS[Math.min(attempt, RECONNECT_MS.length - 1)]!);
      if (this.closed) return;
      try {
        await this.listen();
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'replica bus could not reconnect');
        continue;
      }
      for (const l of this.resyncListeners) l();
      return;
    }
  }

  private receive(payload: string | undefined): void {
    if (!payload) return;
    let envelope: Envelope;
    try {
      envelope = JSON.parse(payload) as Envelope;
    } catch {
      return;
    }
    if (envelope.from === this.replicaId) return;
    for (const l of this.listeners) {
      try {
        l(envelope.message);
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'replica message handler failed');
      }
    }
  }
}
