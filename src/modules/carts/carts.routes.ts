import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { AuthService } from '../auth/auth.service.js';
import { addCartItemBody, cart, cartItemParams, setCartItemBody } from './carts.schemas.js';
import type { CartService } from './carts.service.js';

/**
 * Answers are built by typed code (priceCart) from the schema's own types; running each through zod
 * again before encoding cost more than building it (a tenth of the API's time per add-to-cart). The
 * schemas still document every answer in the OpenAPI document.
 */
const serializeAsBuilt = () => (data: unknown) => JSON.stringify(data);

/** The caller's cart, for any role, guests included. */
export const cartsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; carts: CartService }> = async (app, { auth, carts }) => {
  const { requireUser } = authHooks(auth);
  app.setSerializerCompiler(serializeAsBuilt);

  app.get('/api/cart', { schema: { tags: ['cart'], response: { 200: cart } }, onRequest: requireUser }, async (request) =>
    carts.read(callerOf(request).id),
  );

  app.post(
    '/api/cart/items',
    { schema: { tags: ['cart'], body: addCartItemBody, response: { 200: cart, 409: errorResponse } }, onRequest: requireUser },
    async (request) => carts.add(callerOf(request).id, request.body.sku, request.body.quantity),
  );

  app.put(
    '/api/cart/items/:sku',
    {
      schema: { tags: ['cart'], params: cartItemParams, body: setCartItemBody, response: { 200: cart, 409: errorResponse } },
      onRequest: requireUser,
    },
    async (request) => carts.set(callerOf(request).id, request.params.sku, request.body.quantity),
  );

  app.delete(
    '/api/cart/items/:sku',
    { schema: { tags: ['cart'], params: cartItemParams, response: { 200: cart } }, onRequest: requireUser },
    async (request) => carts.remove(callerOf(request).id, request.params.sku),
  );

  app.delete('/api/cart', { schema: { tags: ['cart'], response: { 200: cart } }, onRequest: requireUser }, async (request) =>
    carts.clear(callerOf(request).id),
  );
};
