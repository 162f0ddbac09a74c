import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Metrics } from '../../lib/metrics.js';
import type { OpsService } from './ops.service.js';

const dependency = z.object({ status: z.enum(['up', 'down']) });
const readiness = z.object({ status: z.enum(['ready', 'unavailable']), dependencies: z.record(z.string(), dependency) });

export const opsRoutes: FastifyPluginAsyncZod<{ ops: OpsService; metrics: Metrics }> = async (app, { ops, metrics }) => {
  app.get('/health', { schema: { tags: ['ops'], response: { 200: z.object({ status: z.literal('ok') }) } } }, async () => ({
    status: 'ok' as const,
  }));

  app.get('/ready', { schema: { tags: ['ops'], response: { 200: readiness, 503: readiness } } }, async (_request, reply) => {
    const { ready, dependencies } = await ops.readiness();
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', dependencies });
  });

  app.get('/metrics', { schema: { tags: ['ops'], hide: true } }, async (_request, reply) =>
    reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
