import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import { skuParams } from '../catalog/catalog.schemas.js';
import { adjustBody, inventory, inventoryList, inventoryListQuery, setOnHandBody } from './inventory.schemas.js';
import type { InventoryService } from './inventory.service.js';

export const inventoryRoutes: FastifyPluginAsyncZod<{ auth: AuthService; inventory: InventoryService }> = async (
  app,
  { auth, inventory: service },
) => {
  const admin = authHooks(auth).requireRole('admin');
  const schema = { tags: ['admin'], params: skuParams, response: { 200: inventory } };

  app.get(
    '/api/admin/inventory',
    {
      schema: {
        tags: ['admin'],
        summary: "List every product's ledger and gate, by SKU",
        operationId: 'listInventory',
        querystring: inventoryListQuery,
        response: { 200: inventoryList },
      },
      onRequest: admin,
    },
    async (request) => service.list(request.query),
  );

  app.get('/api/admin/inventory/:sku', { schema, onRequest: admin }, async (request) => service.view(request.params.sku));

  app.post('/api/admin/inventory/:sku/adjust', { schema: { ...schema, body: adjustBody }, onRequest: admin }, async (request) =>
    service.adjust(request.params.sku, request.body.delta, callerOf(request).id, request.body.reason),
  );

  app.put('/api/admin/inventory/:sku', { schema: { ...schema, body: setOnHandBody }, onRequest: admin }, async (request) =>
    service.setOnHand(request.params.sku, request.body.onHand, callerOf(request).id),
  );
};
