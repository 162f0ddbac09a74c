import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { route } from '../../http/openapi.js';
import type { Metrics } from '../../lib/metrics.js';
import type { OpsService } from './ops.service.js';

const health = z.object({ status: z.literal('ok') }).meta({ id: 'Health' });
const dependency = z.object({ status: z.enum(['up', 'down']) });
const readiness = z.object({ status: z.enum(['ready', 'unavailable']), dependencies: z.record(z.string(), dependency) }).meta({ id: 'Readiness' });

export const opsRoutes: FastifyPluginAsyncZod<{ ops: OpsService; metrics: Metrics }> = async (app, { ops, metrics }) => {
  app.get(
    '/health',
    {
      schema: route({
        operationId: 'getHealth',
        summary: 'Liveness',
        tags: ['ops'],
        access: 'public',
        needsStores: false,
        ok: { 200: { description: 'The process answers.', schema: health } },
      }),
    },
    async () => ({ status: 'ok' as const }),
  );

  app.get(
    '/ready',
    {
      schema: route({
        operationId: 'getReadiness',
        summary: 'Readiness: can this instance serve',
        tags: ['ops'],
        access: 'public',
        ok: {
          200: { description: 'Postgres and Redis answer.', schema: readiness },
          503: { description: 'A dependency is down; `dependencies` says which.', schema: readiness },
        },
      }),
    },
    async (_request, reply) => {
      const { ready, dependencies } = await ops.readiness();
      return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'unavailable', dependencies });
    },
  );

  app.get(
    '/metrics',
    {
      schema: route({
        operationId: 'getMetrics',
        summary: 'Prometheus metrics',
        tags: ['ops'],
        access: 'public',
        needsStores: false,
        ok: { 200: { description: 'The metrics in the Prometheus text format.', schema: z.string(), contentType: 'text/plain' } },
      }),
    },
    async (_request, reply) => reply.type(metrics.registry.contentType).send(await metrics.registry.metrics()),
  );
};
