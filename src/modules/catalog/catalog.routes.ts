import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { noBody, route } from '../../http/openapi.js';
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

const NO_PRODUCT = 'NOT_FOUND: no product with this SKU (or it was deleted).';
const UNKNOWN_CATEGORY = 'VALIDATION_FAILED: the request breaks its schema, or names a category that does not exist.';

export const catalogRoutes: FastifyPluginAsyncZod<{ auth: AuthService; catalog: CatalogService }> = async (app, { auth, catalog }) => {
  const { requireRole } = authHooks(auth);
  const admin = requireRole('admin');

  app.get(
    '/api/categories',
    {
      schema: route({
        operationId: 'listCategories',
        summary: 'List the categories',
        tags: ['catalog'],
        access: 'public',
        ok: { 200: { description: 'Every category, by name.', schema: categoryList } },
      }),
    },
    async () => catalog.categories(),
  );

  app.get(
    '/api/products',
    {
      schema: route({
        operationId: 'listProducts',
        summary: 'List products',
        description: 'A page of products by title, optionally of one category or with a text in the title or SKU (case-insensitive).',
        tags: ['catalog'],
        access: 'public',
        querystring: productListQuery,
        ok: { 200: { description: 'A page of products and the total that match.', schema: productList } },
      }),
    },
    async (request) => catalog.products(request.query),
  );

  app.get(
    '/api/products/:sku',
    {
      schema: route({
        operationId: 'getProduct',
        summary: 'Get a product',
        tags: ['catalog'],
        access: 'public',
        params: skuParams,
        ok: { 200: { description: 'The product and the units a buyer can reserve now.', schema: product } },
        refusals: { 404: NO_PRODUCT },
      }),
    },
    async (request) => catalog.product(request.params.sku),
  );

  app.post(
    '/api/admin/categories',
    {
      schema: route({
        operationId: 'createCategory',
        summary: 'Create a category',
        tags: ['admin'],
        access: 'admin',
        body: createCategoryBody,
        ok: { 201: { description: 'The category is created.', schema: category } },
        refusals: { 409: 'CONFLICT: a category with this slug already exists.' },
      }),
      onRequest: admin,
    },
    async (request, reply) => reply.code(201).send(await catalog.createCategory(request.body)),
  );

  app.post(
    '/api/admin/products',
    {
      schema: route({
        operationId: 'createProduct',
        summary: 'Create a product',
        description: 'A SKU that was deleted can be created again; it comes back with the stock it had unless `onHand` is given.',
        tags: ['admin'],
        access: 'admin',
        body: createProductBody,
        ok: { 201: { description: 'The product is created with its inventory.', schema: product } },
        refusals: { 400: UNKNOWN_CATEGORY, 409: 'CONFLICT: a product with this SKU already exists.' },
      }),
      onRequest: admin,
    },
    async (request, reply) => reply.code(201).send(await catalog.create(request.body, callerOf(request).id)),
  );

  app.patch(
    '/api/admin/products/:sku',
    {
      schema: route({
        operationId: 'updateProduct',
        summary: 'Change fields of a product',
        description: 'Only the fields given change. Orders already placed keep the price they were placed at.',
        tags: ['admin'],
        access: 'admin',
        params: skuParams,
        body: updateProductBody,
        ok: { 200: { description: 'The product as it is now.', schema: product } },
        refusals: { 400: UNKNOWN_CATEGORY, 404: NO_PRODUCT },
      }),
      onRequest: admin,
    },
    async (request) => catalog.update(request.params.sku, request.body),
  );

  app.delete(
    '/api/admin/products/:sku',
    {
      schema: route({
        operationId: 'deleteProduct',
        summary: 'Delete a product',
        description: 'The product leaves the catalog; orders keep referring to it, and its SKU can be created again.',
        tags: ['admin'],
        access: 'admin',
        params: skuParams,
        ok: { 204: { description: 'The product is deleted.', schema: noBody } },
        refusals: { 404: NO_PRODUCT },
      }),
      onRequest: admin,
    },
    async (request, reply) => {
      await catalog.remove(request.params.sku);
      return reply.code(204).send();
    },
  );
};
