import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { AuthService } from '../auth/auth.service.js';
import {
  createVendorBody,
  simulateAnswer,
  simulateBody,
  simulateParams,
  syncAccepted,
  updateVendorBody,
  vendor,
  vendorList,
  vendorParams,
} from './vendors.schemas.js';
import type { VendorsService } from './vendors.service.js';

const errors = { 400: errorResponse, 401: errorResponse, 403: errorResponse };

export const vendorsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; vendors: VendorsService }> = async (app, { auth, vendors }) => {
  const admin = authHooks(auth).requireRole('admin');

  app.get(
    '/api/admin/vendors',
    {
      schema: {
        tags: ['admin'],
        summary: 'List vendors with their sync status and circuit',
        operationId: 'listVendors',
        response: { 200: vendorList, ...errors },
      },
      onRequest: admin,
    },
    async () => vendors.list(),
  );

  app.post(
    '/api/admin/vendors',
    {
      schema: {
        tags: ['admin'],
        summary: 'Add a vendor; an enabled one is synced at once and on its schedule',
        operationId: 'createVendor',
        body: createVendorBody,
        response: { 201: vendor, 409: errorResponse, ...errors },
      },
      onRequest: admin,
    },
    async (request, reply) => reply.code(201).send(await vendors.create(request.body)),
  );

  app.patch(
    '/api/admin/vendors/:id',
    {
      schema: {
        tags: ['admin'],
        summary: 'Change a vendor; disabling it stops its stock counting at once',
        operationId: 'updateVendor',
        params: vendorParams,
        body: updateVendorBody,
        response: { 200: vendor, 404: errorResponse, 409: errorResponse, ...errors },
      },
      onRequest: admin,
    },
    async (request) => vendors.update(request.params.id, request.body),
  );

  app.post(
    '/api/admin/vendors/:id/sync',
    {
      schema: {
        tags: ['admin'],
        summary: "Queue a sync of the vendor's stock now",
        operationId: 'syncVendor',
        params: vendorParams,
        response: { 202: syncAccepted, 404: errorResponse, 409: errorResponse, ...errors },
      },
      onRequest: admin,
    },
    async (request, reply) => reply.code(202).send(await vendors.requestSync(request.params.id)),
  );

  app.post(
    '/api/admin/vendors/:id/simulate/:fault',
    {
      schema: {
        tags: ['admin'],
        summary: "Flip a simulated vendor's fault switch (demos): forwarded to the vendor's POST /simulate/:fault",
        operationId: 'simulateVendorFault',
        params: simulateParams,
        body: simulateBody,
        response: { 200: simulateAnswer, 404: errorResponse, 503: errorResponse, ...errors },
      },
      onRequest: admin,
    },
    async (request) => vendors.simulate(request.params.id, request.params.fault, request.body ?? undefined),
  );
};
