import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
import type { AuthService } from '../auth/auth.service.js';
import { skuParams } from '../catalog/catalog.schemas.js';
import { adjustBody, inventory, setOnHandBody } from './inventory.schemas.js';
import type { InventoryService } from './inventory.service.js';

const NO_INVENTORY = 'NOT_FOUND: no product with this SKU.';
const BELOW_RESERVED =
  'INSUFFICIENT_STOCK: on hand would fall below what PENDING orders hold; `details` has `sku`, `requested` and `available` (the units that may go).';

export const inventoryRoutes: FastifyPluginAsyncZod<{ auth: AuthService; inventory: InventoryService }> = async (
  app,
  { auth, inventory: service },
) => {
  const admin = authHooks(auth).requireRole('admin');
  const updated = { 200: { description: 'The ledger and the gate as they are now.', schema: inventory } };

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
        refusals: { 404: NO_INVENTORY, 409: BELOW_RESERVED },
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
