import { errorBodySchema } from '@hpcgate/contract';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { PAGE_CSP } from '../web/security-headers.js';
import { type Asset, pickEncoding, type StaticAssets } from '../web/static-assets.js';

const document = z.unknown().describe('the web page (text/html) or one of its files');

/**
 * The web page: its entry document for each of its routes (`/`, `/jobs/{id}`), its files under
 * `/assets/`. Read from memory (StaticAssets); hashed files are cached for a year, the document
 * is revalidated every time so that a new build is picked up at once.
 */
const webPageRoutes: FastifyPluginAsyncZod<{ assets: StaticAssets }> = async (fastify, opts) => {
  const { assets } = opts;
  const page = async (request: FastifyRequest, reply: FastifyReply) =>
    send(request, reply, assets.index);
  const schema = { hide: true, response: { 200: document, 304: document } };

  fastify.get('/', { schema }, page);
  fastify.get('/jobs', { schema }, page);
  fastify.get(
    '/jobs/:jobId',
    { schema: { ...schema, params: z.object({ jobId: z.string().max(64) }) } },
    page,
  );
  fastify.get(
    '/assets/*',
    { schema: { ...schema, response: { ...schema.response, 404: errorBodySchema } } },
    async (request, reply) => {
      const asset = assets.get(request.url.split('?')[0] ?? '');
      if (!asset) {
        return reply.code(404).send({
          error: { code: 'ROUTE_NOT_FOUND', message: 'no such file of the web page' },
        });
      }
      return send(request, reply, asset);
    },
  );
};

function send(request: FastifyRequest, reply: FastifyReply, asset: Asset) {
  if (asset.type.startsWith('text/html')) reply.header('content-security-policy', PAGE_CSP);
  reply.header('etag', asset.etag);
  reply.header('vary', 'accept-encoding');
  reply.header(
    'cache-control',
    asset.immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
  );
  if (request.headers['if-none-match'] === asset.etag) return reply.code(304).send();
  const encoding = pickEncoding(asset, request.headers['accept-encoding']);
  reply.type(asset.type);
  if (encoding) reply.header('content-encoding', encoding);
  return reply.send(encoding ? asset[encoding] : asset.body);
}

export default webPageRoutes;
