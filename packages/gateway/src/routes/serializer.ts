import type { FastifySerializerCompiler } from 'fastify';
import {
  ResponseSerializationError,
  serializerCompiler as zodSerializerCompiler,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { $ZodType, safeEncode } from 'zod/v4/core';

/**
 * The routes' response serializer: each response schema compiled once (`z.compile`, zod's own
 * generated parser) instead of walked by zod's runtime on every answer, then `JSON.stringify`.
 * fastify-type-provider-zod's serializer (`safeEncode` + `JSON.stringify`) costs ~20 µs a job
 * (2 ms for a list page of 100) where the compiled parse costs ~2 µs (~160 µs).
 *
 * What is sent is what the zod serializer sent: the compiled parse is the same schema's, so it
 * keeps only the schema's keys (a field the schema does not name never leaves, a JobRecord's
 * `remoteDone` and `submitAttempts` included) and checks every value. For a value the runtime's
 * `encode` accepts, the forward parse gives the same output (the response schemas have no
 * transforms, pipes or codecs, the only things whose directions differ; `z.compile` in strict
 * mode refuses schemas it cannot model, and those keep the zod serializer). The one difference is
 * in what is accepted: a field left undefined that the schema gives a `.default()` (a record from
 * before the field existed) gets its default, where `encode` refused the whole answer. Anything
 * the compiled parse refuses goes through exactly the old path (`safeEncode`), so it fails as
 * before: ResponseSerializationError, a 500.
 */
export const serializerCompiler: FastifySerializerCompiler<$ZodType | { properties: $ZodType }> = (
  route,
) => {
  const { schema: maybeSchema, method, url } = route;
  if (!(maybeSchema instanceof $ZodType)) return zodSerializerCompiler(route);
  const schema = maybeSchema;
  const compiled = compiledOf(schema);
  if (!compiled) return zodSerializerCompiler(route);
  return (data) => {
    const result = compiled.safeParse(data);
    if (result.success) return JSON.stringify(result.data);
    const encoded = safeEncode(schema, data);
    if (encoded.error) throw new ResponseSerializationError(method, url, { cause: encoded.error });
    return JSON.stringify(encoded.data);
  };
};

/**
 * Each schema is compiled once, however many routes and statuses answer with it (the error body
 * is the answer of ten statuses on every route); `null`: z.compile refused it.
 */
const compiledSchemas = new WeakMap<$ZodType, z.ZodType | null>();

function compiledOf(schema: $ZodType): z.ZodType | null {
  let compiled = compiledSchemas.get(schema);
  if (compiled === undefined) {
    try {
      compiled = z.compile(schema as z.ZodType, { strict: true });
    } catch {
      compiled = null;
    }
    compiledSchemas.set(schema, compiled);
  }
  return compiled;
}
