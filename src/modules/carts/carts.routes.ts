import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { AuthService } from '../auth/auth.service.js';
import { type CartAnswer, SerializedCart } from './cart-pricing.js';
import { addCartItemBody, type Cart, cart, cartItemParams, setCartItemBody } from './carts.schemas.js';
import type { CartService } from './carts.service.js';

/**
 * Answers are built by typed code (priceCart, renderCart) from the schema's own types; running each
 * through zod again before encoding cost more than building it (a tenth of the API's time per
 * add-to-cart). A SerializedCart is already encoded and goes out as it is. The schemas still
 * document every answer in the OpenAPI document.
 */
const serializeAsBuilt = () => (data: unknown) => (data instanceof SerializedCart ? data.json : JSON.stringify(data));

/**
 * A change's answer as the route's handler returns it: the Cart, or the same Cart already encoded,
 * which the serializer above sends unchanged (the route's types know only the Cart).
 */
const answer = (cart: Promise<CartAnswer>) => cart as Promise<Cart>;

const THE_CART = 'The cart after the change, priced now: line totals, the total and each line’s reservable stock.';
const NO_PRODUCT = 'NOT_FOUND: no product with this SKU in the catalog (`details.sku`).';
const TOO_MANY =
  'INSUFFICIENT_STOCK: the line would hold more than can be reserved now; `details` has `sku`, `requested`, `available`. Nothing changed.';

/** The caller's cart, for any role, guests included. */
export const cartsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; carts: CartService }> = async (app, { auth, carts }) => {
  const { requireUser } = authHooks(auth);
  app.setSerializerCompiler(serializeAsBuilt);

  app.get(
    '/api/cart',
    {
      schema: route({
        operationId: 'getCart',
        summary: "The caller's cart",
        tags: ['cart'],
        access: 'user',
        ok: { 200: { description: 'The cart, priced now (empty at version 0 for a caller who never had one).', schema: cart } },
      }),
      onRequest: requireUser,
    },
    async (request) => carts.read(callerOf(request).id),
  );

  app.post(
    '/api/cart/items',
    {
      schema: route({
        operationId: 'addCartItem',
        summary: 'Add units of a product to the cart',
        description: 'Adds to the line of that SKU, creating it. A cart holds at most 50 lines of at most 1,000 units, in one currency.',
        tags: ['cart'],
        access: 'user',
        body: addCartItemBody,
        ok: { 200: { description: THE_CART, schema: cart } },
        refusals: {
          400: 'VALIDATION_FAILED: the request breaks its schema, the cart already holds 50 lines, the line would pass 1,000 units, or the product is in another currency than the cart.',
          404: NO_PRODUCT,
          409: TOO_MANY,
        },
      }),
      onRequest: requireUser,
    },
    (request) => answer(carts.add(callerOf(request).id, request.body.sku, request.body.quantity)),
  );

  app.put(
    '/api/cart/items/:sku',
    {
      schema: route({
        operationId: 'setCartItem',
        summary: "Set a cart line's quantity",
        description: 'Sets the quantity of the line of that SKU (0 removes it). Lowering a line is always allowed; raising it only within the stock.',
        tags: ['cart'],
        access: 'user',
        params: cartItemParams,
        body: setCartItemBody,
        ok: { 200: { description: THE_CART, schema: cart } },
        refusals: {
          400: 'VALIDATION_FAILED: the request breaks its schema, the cart already holds 50 lines, or the product is in another currency than the cart.',
          404: NO_PRODUCT,
          409: TOO_MANY,
        },
      }),
      onRequest: requireUser,
    },
    (request) => answer(carts.set(callerOf(request).id, request.params.sku, request.body.quantity)),
  );

  app.delete(
    '/api/cart/items/:sku',
    {
      schema: route({
        operationId: 'removeCartItem',
        summary: 'Remove a line from the cart',
        description: 'A line the cart does not hold changes nothing (the same version comes back).',
        tags: ['cart'],
        access: 'user',
        params: cartItemParams,
        ok: { 200: { description: THE_CART, schema: cart } },
      }),
      onRequest: requireUser,
    },
    (request) => answer(carts.remove(callerOf(request).id, request.params.sku)),
  );

  app.delete(
    '/api/cart',
    {
      schema: route({
        operationId: 'clearCart',
        summary: 'Empty the cart',
        tags: ['cart'],
        access: 'user',
        ok: { 200: { description: 'The empty cart.', schema: cart } },
      }),
      onRequest: requireUser,
    },
    async (request) => carts.clear(callerOf(request).id),
  );
};
