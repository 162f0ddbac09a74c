import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import type { AuthService } from '../auth/auth.service.js';
import {
  category,
  categoryList,
  createCategoryBody,
  createProductBody,
  product,
  productList,
  productListQuery,
  skuParams,
  updateProductBody,
} from './catalog.schemas.js';
import type { CatalogService } from './catalog.service.js';

export const catalogRoutes: FastifyPluginAsyncZod<{ auth: AuthService; catalog: CatalogService }> = async (app, { auth, catalog }) => {
  const { requireRole } = authHooks(auth);
  const admin = requireRole('admin');

  app.get('/api/categories', { schema: { tags: ['catalog'], response: { 200: categoryList } } }, async () => catalog.categories());

  app.get('/api/products', { schema: { tags: ['catalog'], querystring: productListQuery, response: { 200: productList } } }, async (request) =>
    catalog.products(request.query),
  );

  app.get('/api/products/:sku', { schema: { tags: ['catalog'], params: skuParams, response: { 200: product } } }, async (request) =>
    catalog.product(request.params.sku),
  );

  app.post(
    '/api/admin/categories',
    { schema: { tags: ['admin'], body: createCategoryBody, response: { 201: category } }, onRequest: admin },
    async (request, reply) => reply.code(201).send(await catalog.createCategory(request.body)),
  );

  app.post(
    '/api/admin/products',
    { schema: { tags: ['admin'], body: createProductBody, response: { 201: product } }, onRequest: admin },
    async (request, reply) => reply.code(201).send(await catalog.create(request.body, callerOf(request).id)),
  );

  app.patch(
    '/api/admin/products/:sku',
    { schema: { tags: ['admin'], params: skuParams, body: updateProductBody, response: { 200: product } }, onRequest: admin },
    async (request) => catalog.update(request.params.sku, request.body),
  );

  app.delete('/api/admin/products/:sku', { schema: { tags: ['admin'], params: skuParams }, onRequest: admin }, async (request, reply) => {
    await catalog.remove(request.params.sku);
    return reply.code(204).send();
  });
};
