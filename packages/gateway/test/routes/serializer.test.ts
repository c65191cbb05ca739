import { jobListResponseSchema, jobSchema } from '@hpcgate/contract';
import { sampleJob } from '@hpcgate/contract/testing';
import { ResponseSerializationError } from 'fastify-type-provider-zod';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { serializerCompiler } from '../../src/routes/serializer.js';
import { deepFreeze } from '../../src/store/sqlite/record-cache.js';

const serializer = (schema: z.ZodType) =>
  serializerCompiler({ schema, method: 'GET', url: '/t', httpStatus: '200' }) as (
    data: unknown,
  ) => string;

/** What the zod serializer sent: the schema's encode, then JSON.stringify. */
const encoded = (schema: z.ZodType, data: unknown) =>
  JSON.stringify(z.encode(schema, data as never));

/** A stored record: the job, and fields of the store's that never leave. */
const stored = (i: number) => ({
  ...sampleJob({ name: `job-${i}`, tags: i % 2 ? ['a'] : [] }),
  remoteDone: false,
  submitAttempts: { count: 1, unanswered: 0, firstAt: null, lastAt: null },
});

describe('the response serializer', () => {
  it('sends a page item by item exactly as the whole page was sent', () => {
    const page = { jobs: [stored(1), stored(2), stored(3)], nextCursor: 'abc' };
    const text = serializer(jobListResponseSchema)(page);
    expect(text).toBe(encoded(jobListResponseSchema, page));
    expect(text).not.toContain('remoteDone');
    const empty = { jobs: [], nextCursor: null };
    expect(serializer(jobListResponseSchema)(empty)).toBe('{"jobs":[],"nextCursor":null}');
    // Frozen records (the store's) give the same text, the second time from what was made.
    const frozen = deepFreeze({ jobs: [stored(4), stored(5)], nextCursor: null });
    const send = serializer(jobListResponseSchema);
    expect(send(frozen)).toBe(encoded(jobListResponseSchema, frozen));
    expect(send(frozen)).toBe(encoded(jobListResponseSchema, frozen));
  });

  it('serializes again a value that may have changed (not frozen)', () => {
    const send = serializer(jobSchema);
    const job = stored(1);
    const first = send(job);
    job.name = 'renamed';
    const second = send(job);
    expect(second).not.toBe(first);
    expect(JSON.parse(second).name).toBe('renamed');
  });

  it('refuses a page whose item the schema refuses, as the zod serializer did (a 500)', () => {
    const bad = { jobs: [stored(1), { ...stored(2), status: 'NOT_A_STATUS' }], nextCursor: null };
    expect(() => serializer(jobListResponseSchema)(bad)).toThrow(ResponseSerializationError);
    expect(() => serializer(jobListResponseSchema)(deepFreeze(bad))).toThrow(
      ResponseSerializationError,
    );
  });

  it('leaves a page with checks on its items to the whole parse', () => {
    const bounded = z.object({
      items: z.array(z.object({ a: z.number() })).max(1),
      more: z.boolean(),
    });
    const send = serializer(bounded);
    expect(send({ items: [{ a: 1 }], more: false })).toBe('{"items":[{"a":1}],"more":false}');
    expect(() => send({ items: [{ a: 1 }, { a: 2 }], more: false })).toThrow(
      ResponseSerializationError,
    );
  });
});

describe('the response serializer, pages with checks of their own', () => {
  it('leaves a refined page to the whole parse, which applies the refinement', () => {
    const refined = z
      .object({ items: z.array(z.object({ a: z.number() })), more: z.boolean() })
      .refine((p) => p.items.length < 2, 'too many');
    const send = serializer(refined);
    expect(send({ items: [{ a: 1 }], more: true })).toBe('{"items":[{"a":1}],"more":true}');
    expect(() => send({ items: [{ a: 1 }, { a: 2 }], more: true })).toThrow(
      ResponseSerializationError,
    );
  });
});
