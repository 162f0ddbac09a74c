import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { RateLimits } from '../../http/rate-limits.js';
import { errorPayload, validationFailed } from '../../lib/errors.js';
import type { AuthService } from '../auth/auth.service.js';
import type { OrderLifecycle } from './lifecycle/order-lifecycle.js';
import type { OrderQueries } from './order-queries.js';
import {
  adminOrderListQuery,
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

/**
 * Placing an order answers what typed code built (orderFromSnapshot, errorPayload): its 202 run
 * through zod again before encoding was about 7 % of the API's samples per accepted order (a CPU
 * profile of `bench/run.ts` with stock to spare: zod 11.8 % of the samples, 5.1 % without). The schema still
 * documents it, and the tests check every answer against the document.
 */
const encodeAsBuilt = () => (data: unknown) => JSON.stringify(data);

const NO_ORDER = "NOT_FOUND: no order with this id, or not one of the caller's.";

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
      schema: route({
        operationId: 'placeOrder',
        summary: 'Place an order and hold its stock',
        description:
          'Every line is reserved or none is. The stock is held until `expiresAt`; pay, or cancel to give it back. ' +
          'A retry with the same Idempotency-Key and body answers what the first request got. ' +
          "With `fromCart: true` the caller's cart is ordered, exactly its lines, and its lines are taken out of the cart once " +
          'the order is accepted; a replay answers the same order whatever the cart holds since.',
        tags: ['orders'],
        access: 'user',
        rateLimited: true,
        headers: idempotencyHeaders,
        body: createOrderBody,
        ok: { 202: { description: 'Accepted (or the replay of an accepted key): the order is PENDING and its stock held.', schema: order } },
        refusals: {
          400: 'VALIDATION_FAILED: the request breaks its schema (one Idempotency-Key header, not several), a SKU is unknown, the lines mix currencies, or the cart is empty.',
          409:
            'INSUFFICIENT_STOCK: a line asks for more than is available; `details` has `sku`, `requested`, `available`. Nothing is held. ' +
            'INVALID_STATE (`fromCart: true` only): another order of the same cart, with another key (another tab), is under way; nothing is held.',
          422: 'IDEMPOTENCY_KEY_REUSED: this caller used this key with another body.',
        },
      }),
      onRequest: requireUser,
      preHandler: limits.order,
      serializerCompiler: encodeAsBuilt,
    },
    async (request, reply) => {
      // Two of them reach the schema joined into one ("a, b"), itself a valid key: which one was meant
      // cannot be known. (Only a key holding ", " can be two; the hot path skips the header scan.)
      const key = request.headers['idempotency-key'];
      if (key.includes(', ') && (request.raw.headersDistinct['idempotency-key']?.length ?? 0) > 1) {
        throw validationFailed('send one Idempotency-Key header, not several', { header: 'idempotency-key' });
      }
      const result = await placement.place(callerOf(request), key, request.body);
      if (result.kind === 'accepted') return reply.code(202).send(result.order);
      const { sku, requested, available } = result;
      const message = `only ${available} unit(s) of ${sku} available`;
      return reply.code(409).send(errorPayload('INSUFFICIENT_STOCK', message, { sku, requested, available }));
    },
  );

  app.get(
    '/api/orders',
    {
      schema: route({
        operationId: 'listOrders',
        summary: "List the caller's orders",
        tags: ['orders'],
        access: 'user',
        querystring: orderListQuery,
        ok: { 200: { description: "A page of the caller's orders, newest first.", schema: orderList } },
      }),
      onRequest: requireUser,
    },
    async (request) => queries.list(request.query, callerOf(request)),
  );

  app.get(
    '/api/orders/:id',
    {
      schema: route({
        operationId: 'getOrder',
        summary: 'Get an order',
        description: "Readable the moment it is accepted. Another user's order is 404, never 403.",
        tags: ['orders'],
        access: 'user',
        params: orderParams,
        ok: { 200: { description: 'The order and its history.', schema: order } },
        refusals: { 404: NO_ORDER },
      }),
      onRequest: requireUser,
    },
    async (request) => queries.get(callerOf(request), request.params.id),
  );

  app.post(
    '/api/orders/:id/cancel',
    {
      schema: route({
        operationId: 'cancelOrder',
        summary: 'Cancel a pending order',
        description: 'Its stock goes back at once. The body is optional.',
        tags: ['orders'],
        access: 'user',
        params: orderParams,
        body: cancelOrderBody,
        bodyOptional: true,
        ok: { 200: { description: 'The order, now CANCELLED.', schema: order } },
        refusals: { 404: NO_ORDER, 409: 'INVALID_STATE: the order is no longer PENDING; `details.status` says what it is.' },
      }),
      onRequest: requireUser,
    },
    async (request) => lifecycle.cancel(callerOf(request), request.params.id, request.body?.reason),
  );

  app.get(
    '/api/admin/orders',
    {
      schema: route({
        operationId: 'listAllOrders',
        summary: 'List every order',
        tags: ['admin'],
        access: 'admin',
        querystring: adminOrderListQuery,
        ok: { 200: { description: 'A page of all orders, newest first; with `q`, those of that customer or id.', schema: orderList } },
        refusals: { 400: 'VALIDATION_FAILED: `q` is neither an email nor the start of an order id, or another parameter is bad.' },
      }),
      onRequest: admin,
    },
    async (request) => queries.list(request.query),
  );

  app.patch(
    '/api/admin/orders/:id',
    {
      schema: route({
        operationId: 'setOrderStatus',
        summary: 'Move an order along the state machine',
        description: 'PENDING → CONFIRMED | CANCELLED | EXPIRED; CONFIRMED → FULFILLED | FAILED.',
        tags: ['admin'],
        access: 'admin',
        params: orderParams,
        body: adminUpdateOrderBody,
        ok: { 200: { description: 'The order in its new status.', schema: order } },
        refusals: {
          404: 'NOT_FOUND: no order with this id.',
          409: "INVALID_STATE: the state machine forbids this transition, or (to CONFIRMED) the order's payment is under way: its outcome decides (`details.paymentId`).",
        },
      }),
      onRequest: admin,
    },
    async (request) => lifecycle.setStatus(callerOf(request), request.params.id, request.body.status, request.body.reason),
  );
};
