import {
  errorBodySchema,
  outputDownloadQuerySchema,
  outputListQuerySchema,
  outputListResponseSchema,
  outputPathSchema,
} from '@hpcgate/contract';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { errors, jobIdParams, security } from './shared.js';

const dirParams = jobIdParams.extend({ '*': outputPathSchema.optional() });
const fileParams = jobIdParams.extend({
  '*': outputPathSchema.refine((p) => p !== '', 'name a file: output/download/{path}'),
});
const bytes = z.unknown().describe("application/octet-stream: the file's bytes (or the range's)");

/** A file name for Content-Disposition: ASCII fallback plus RFC 8187's UTF-8 form. */
function disposition(name: string): string {
  const ascii = name.replace(/[^\x20-\x7e]|["\\]/g, '_');
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(name)}`;
}

/**
 * `/v3/jobs/{jobId}/output/…` (Tapis-shaped): the job directory listed, its files downloaded,
 * read on the cluster as the job's own account. Registered inside the jobs plugin (its
 * authentication hook).
 */
const outputRoutes: FastifyPluginAsyncZod = async (fastify) => {
  const listSchema = {
    summary: "List the job's directory (or a directory inside it), by name, one page",
    description:
      'Entries: name, path (for output/download), type, size and modification time. Paths are ' +
      'resolved on the cluster inside the job directory: a symlink that leads out of it is not found.',
    security,
    params: dirParams,
    querystring: outputListQuerySchema,
    response: { 200: outputListResponseSchema, ...errors },
  };
  const list = async (request: {
    caller: Parameters<typeof fastify.outputs.list>[0];
    params: { jobId: string; '*'?: string | undefined };
    query: { skip: number; limit: number };
  }) =>
    fastify.outputs.list(
      request.caller,
      request.params.jobId,
      (request.params['*'] ?? '').replace(/\/+$/, ''),
      request.query,
    );
  fastify.get('/:jobId/output/list', { schema: listSchema }, list);
  fastify.get('/:jobId/output/list/*', { schema: listSchema }, list);

  fastify.get(
    '/:jobId/output/download/*',
    {
      schema: {
        summary: 'Download a file of the job directory (streamed; one Range)',
        description:
          'Streams the file as it is when asked (a running job can be read: allowIfRunning ' +
          'defaults to true). `Range: bytes=a-b`, `a-` or `-n` answers 206; past the end, 416. ' +
          'More than the configured bound to send is 413: ask for a Range.',
        security,
        params: fileParams,
        querystring: outputDownloadQuerySchema,
        response: { 200: bytes, 206: bytes, 413: errorBodySchema, 416: errorBodySchema, ...errors },
      },
    },
    async (request, reply) => {
      const d = await fastify.outputs.download(
        request.caller,
        request.params.jobId,
        request.params['*'],
        request.headers.range,
        request.query.allowIfRunning,
      );
      // A read that fails part way must not look like a whole file: the response is cut short.
      d.done.catch((err: unknown) => {
        request.log.warn({ err }, 'output download failed part way');
        d.stream.destroy(err as Error);
      });
      reply
        .code(d.partial ? 206 : 200)
        .header('content-type', 'application/octet-stream')
        .header('content-length', String(d.end - d.start + 1))
        .header('accept-ranges', 'bytes')
        .header('content-disposition', disposition(d.name))
        .header('cache-control', 'no-store');
      if (d.partial) reply.header('content-range', `bytes ${d.start}-${d.end}/${d.size}`);
      return reply.send(d.stream);
    },
  );
};

export default outputRoutes;
