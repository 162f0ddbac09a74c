import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { AuthService } from '../auth/auth.service.js';
import { skuParams } from '../catalog/catalog.schemas.js';
import { adjustBody, inventory, inventoryList, inventoryListQuery, setOnHandBody } from './inventory.schemas.js';
import type { InventoryService } from './inventory.service.js';

const NO_INVENTORY =
  'NOT_FOUND: no product with this SKU was ever created. A deleted product keeps its ledger (it comes back with its stock), which these calls read and correct.';
const BELOW_RESERVED =
  'INSUFFICIENT_STOCK: on hand would fall below what PENDING orders hold, or below 0; `details` has `sku`, `requested` and `available` (the units that may go).';

export const inventoryRoutes: FastifyPluginAsyncZod<{ auth: AuthService; inventory: InventoryService }> = async (
  app,
  { auth, inventory: service },
) => {
  const admin = authHooks(auth).requireRole('admin');
  const updated = { 200: { description: 'The ledger and the gate as they are now.', schema: inventory } };

  app.get(
    '/api/admin/inventory',
    {
      schema: route({
        operationId: 'listInventory',
        summary: "List every product's ledger and gate, by SKU",
        description:
          'A page of live products, each with its ledger, its gate, its title and its low-stock threshold. `low=true` keeps the SKUs whose available units are at or under their threshold; `q` those whose SKU or title contains it (case-insensitive). Gates not loaded yet show the ledger figure.',
        tags: ['admin'],
        access: 'admin',
        querystring: inventoryListQuery,
        ok: { 200: { description: 'A page of SKUs, by SKU.', schema: inventoryList } },
      }),
      onRequest: admin,
    },
    async (request) => service.list(request.query),
  );

  app.get(
    '/api/admin/inventory/:sku',
    {
      schema: route({
        operationId: 'getInventory',
        summary: "A SKU's ledger and gate",
        description: 'What Postgres holds (on hand, reserved, sold) and what Redis still admits; `drift` is 0 when nothing is in flight.',
        tags: ['admin'],
        access: 'admin',
        params: skuParams,
        ok: { 200: { description: 'The ledger, the gate and their drift.', schema: inventory } },
        refusals: { 404: NO_INVENTORY },
      }),
      onRequest: admin,
    },
    async (request) => service.view(request.params.sku),
  );

  app.post(
    '/api/admin/inventory/:sku/adjust',
    {
      schema: route({
        operationId: 'adjustInventory',
        summary: 'Add or take away units on hand',
        tags: ['admin'],
        access: 'admin',
        params: skuParams,
        body: adjustBody,
        ok: updated,
        refusals: {
          400: 'VALIDATION_FAILED: also when on hand would go past the limit; `details` has `limit`, `onHand` and `delta`.',
          404: NO_INVENTORY,
          409: BELOW_RESERVED,
        },
      }),
      onRequest: admin,
    },
    async (request) => service.adjust(request.params.sku, request.body.delta, callerOf(request).id, request.body.reason),
  );

  app.put(
    '/api/admin/inventory/:sku',
    {
      schema: route({
        operationId: 'setInventoryOnHand',
        summary: 'Set the units on hand',
        tags: ['admin'],
        access: 'admin',
        params: skuParams,
        body: setOnHandBody,
        ok: updated,
        refusals: { 404: NO_INVENTORY, 409: BELOW_RESERVED },
      }),
      onRequest: admin,
    },
    async (request) => service.setOnHand(request.params.sku, request.body.onHand, callerOf(request).id),
  );
};
