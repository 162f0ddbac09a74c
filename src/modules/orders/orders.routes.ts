import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import type { RateLimits } from '../../http/rate-limits.js';
import { errorPayload } from '../../lib/errors.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { AuthService } from '../auth/auth.service.js';
import type { OrderLifecycle } from './lifecycle/order-lifecycle.js';
import type { OrderQueries } from './order-queries.js';
import {
  adminUpdateOrderBody,
  cancelOrderBody,
  createOrderBody,
  idempotencyHeaders,
  order,
  orderList,
  orderListQuery,
  orderParams,
} from './orders.schemas.js';
import type { OrderPlacement } from './placement/order-placement.js';

export interface OrdersRoutesOptions {
  auth: AuthService;
  placement: OrderPlacement;
  queries: OrderQueries;
  lifecycle: OrderLifecycle;
  limits: RateLimits;
}

export const ordersRoutes: FastifyPluginAsyncZod<OrdersRoutesOptions> = async (app, { auth, placement, queries, lifecycle, limits }) => {
  const { requireUser, requireRole } = authHooks(auth);
  const admin = requireRole('admin');

  app.post(
    '/api/orders',
    {
      schema: {
        tags: ['orders'],
        headers: idempotencyHeaders,
        body: createOrderBody,
        response: { 202: order, 409: errorResponse },
      },
      onRequest: requireUser,
      preHandler: limits.order,
    },
    async (request, reply) => {
      const result = await placement.place(callerOf(request), request.headers['idempotency-key'], request.body);
      if (result.kind === 'accepted') return reply.code(202).send(result.order);
      const { sku, requested, available } = result;
      const message = `only ${available} unit(s) of ${sku} available`;
      return reply.code(409).send(errorPayload('INSUFFICIENT_STOCK', message, { sku, requested, available }));
    },
  );

  app.get(
    '/api/orders',
    { schema: { tags: ['orders'], querystring: orderListQuery, response: { 200: orderList } }, onRequest: requireUser },
    async (request) => queries.list(request.query, callerOf(request)),
  );

  app.get(
    '/api/orders/:id',
    { schema: { tags: ['orders'], params: orderParams, response: { 200: order } }, onRequest: requireUser },
    async (request) => queries.get(callerOf(request), request.params.id),
  );

  app.post(
    '/api/orders/:id/cancel',
    { schema: { tags: ['orders'], params: orderParams, body: cancelOrderBody, response: { 200: order } }, onRequest: requireUser },
    async (request) => lifecycle.cancel(callerOf(request), request.params.id, request.body?.reason),
  );

  app.get(
    '/api/admin/orders',
    { schema: { tags: ['admin'], querystring: orderListQuery, response: { 200: orderList } }, onRequest: admin },
    async (request) => queries.list(request.query),
  );

  app.patch(
    '/api/admin/orders/:id',
    { schema: { tags: ['admin'], params: orderParams, body: adminUpdateOrderBody, response: { 200: order } }, onRequest: admin },
    async (request) => lifecycle.setStatus(callerOf(request), request.params.id, request.body.status, request.body.reason),
  );
};
