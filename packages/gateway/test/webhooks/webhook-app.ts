import { randomUUID } from 'node:crypto';
import { isTerminal, type JobStatus } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import type { FastifyInstance, FastifyServerOptions, InjectOptions } from 'fastify';
import { expect } from 'vitest';
import { buildApp } from '../../src/app.js';
import type { GatewayConfig, GatewayConfigInput } from '../../src/config/schema.js';
import { webhooksConfigSchema } from '../../src/config/schema.js';
import { JobWriter } from '../../src/jobs/job-writer.js';
import type { JobRecord } from '../../src/store/job-store.js';
import { sandboxSystem, testConfig } from '../helpers/sandbox-config.js';
import { createTestIssuer, type TestIssuer } from '../helpers/tokens.js';
import { offlineConfig } from '../http/offline-app.js';

type Webhooks = GatewayConfigInput['webhooks'];

export interface WebhookApp {
  app: FastifyInstance;
  issuer: TestIssuer;
  call(
    user: string,
    method: InjectOptions['method'],
    url: string,
    body?: unknown,
    // biome-ignore lint/suspicious/noExplicitAny: tests assert responses field by field
  ): Promise<{ status: number; body: any; text: string }>;
  /** A subscription of `user`'s, made through the API (201 expected). */
  subscribe(user: string, body: Record<string, unknown>): Promise<{ id: string; secret?: string }>;
  /** `user`'s deliveries of the subscription once `done` holds for them (polled, no timing). */
  deliveriesWhen(
    user: string,
    subscriptionId: string,
    // biome-ignore lint/suspicious/noExplicitAny: tests assert responses field by field
    done: (deliveries: any[]) => boolean,
    // biome-ignore lint/suspicious/noExplicitAny: as above
  ): Promise<any[]>;
  close(): Promise<void>;
}

/** A gateway without a cluster (events are written through its JobWriter by the tests). */
export async function offlineWebhookApp(
  webhooks: Webhooks = {},
  over: Partial<GatewayConfigInput> | ((issuer: TestIssuer) => Partial<GatewayConfigInput>) = {},
  fastifyOptions: FastifyServerOptions = {},
): Promise<WebhookApp & { jobs: FakeJobs }> {
  const issuer = await createTestIssuer();
  const extra = typeof over === 'function' ? over(issuer) : over;
  const app = await buildApp(offlineConfig(issuer, { webhooks, ...extra }), fastifyOptions);
  return { ...wrap(app, issuer), jobs: fakeJobs(app) };
}

/** A gateway on the sandbox cluster (its in-memory store), with these webhook settings. */
export async function sandboxWebhookApp(webhooks: Webhooks = {}): Promise<WebhookApp> {
  const issuer = await createTestIssuer();
  const config: GatewayConfig = {
    ...testConfig([sandboxSystem()], issuer.jwksFile),
    webhooks: webhooksConfigSchema.parse(webhooks),
  };
  return wrap(await buildApp(config), issuer);
}

function wrap(app: FastifyInstance, issuer: TestIssuer): WebhookApp {
  const call: WebhookApp['call'] = async (user, method, url, body) => {
    const res = await app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${await issuer.token(user)}` },
      ...(body === undefined ? {} : { payload: body as object }),
    });
    return { status: res.statusCode, body: res.body ? res.json() : null, text: res.body };
  };
  return {
    app,
    issuer,
    call,
    async subscribe(user, body) {
      const res = await call(user, 'POST', '/v3/jobs/subscriptions', body);
      expect(res.status, JSON.stringify(res.body)).toBe(201);
      return res.body;
    },
    async deliveriesWhen(user, subscriptionId, done) {
      let last: unknown[] = [];
      await expect
        .poll(
          async () => {
            const res = await call(
              user,
              'GET',
              `/v3/jobs/subscriptions/${subscriptionId}/deliveries?limit=100`,
            );
            last = res.body.deliveries;
            return done(res.body.deliveries);
          },
          { timeout: 20_000, interval: 20 },
        )
        .toBe(true);
      // biome-ignore lint/suspicious/noExplicitAny: tests assert responses field by field
      return last as any[];
    },
    close: () => app.close(),
  };
}

export interface FakeJobs {
  /** A job stored as the service stores one, on a system no monitor watches: PENDING. */
  create(owner: string, over?: Partial<JobRecord>): Promise<JobRecord>;
  /** A status change, written as the reconciler writes one (so JobEvents hears of it). */
  step(id: string, status: JobStatus): Promise<void>;
}

function fakeJobs(app: FastifyInstance): FakeJobs {
  const writer = new JobWriter(app.store, app.jobs.events);
  return {
    async create(owner, over = {}) {
      const job: JobRecord = {
        ...sampleJob({
          id: randomUUID(),
          owner,
          execSystemId: 'elsewhere',
          status: 'PENDING',
          remoteJobId: null,
          remoteStarted: null,
          ...over,
        }),
        remoteDone: false,
      };
      await app.store.create(job, { event: 'JOB_CREATED', actor: owner, description: 'created' });
      // store.create tells no one (the submitter's first change does): as it, wake the readers.
      app.jobs.events.changed(job);
      return job;
    },
    async step(id, status) {
      await writer.apply(id, {
        steps: [{ status, description: `now ${status}` }],
        ...(isTerminal(status) && { patch: { remoteDone: true, ended: new Date().toISOString() } }),
      });
    },
  };
}
