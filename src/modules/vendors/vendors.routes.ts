import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { authHooks } from '../../http/auth-hooks.js';
import { route } from '../../http/openapi.js';
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

const NO_VENDOR = 'NOT_FOUND: no vendor with this id.';
const NAME_TAKEN = 'CONFLICT: another vendor has this name; `details.name` is the name.';

export const vendorsRoutes: FastifyPluginAsyncZod<{ auth: AuthService; vendors: VendorsService }> = async (app, { auth, vendors }) => {
  const admin = authHooks(auth).requireRole('admin');

  app.get(
    '/api/admin/vendors',
    {
      schema: route({
        operationId: 'listVendors',
        summary: 'List vendors with their sync status and circuit',
        description:
          'Every vendor by priority: whether its last sync worked (`status`, `lastError`), when it ran, how many catalog SKUs it lists, and its circuit breaker as the worker calling it sees it.',
        tags: ['admin'],
        access: 'admin',
        ok: { 200: { description: 'The vendors, by priority.', schema: vendorList } },
      }),
      onRequest: admin,
    },
    async () => vendors.list(),
  );

  app.post(
    '/api/admin/vendors',
    {
      schema: route({
        operationId: 'createVendor',
        summary: 'Add a vendor',
        description: 'An enabled vendor gets a sync job scheduler and is synced at once.',
        tags: ['admin'],
        access: 'admin',
        body: createVendorBody,
        ok: { 201: { description: 'The vendor as stored.', schema: vendor } },
        refusals: { 409: NAME_TAKEN },
      }),
      onRequest: admin,
    },
    async (request, reply) => reply.code(201).send(await vendors.create(request.body)),
  );

  app.patch(
    '/api/admin/vendors/:id',
    {
      schema: route({
        operationId: 'updateVendor',
        summary: 'Change, enable or disable a vendor',
        description: 'Disabling a vendor removes its sync schedule and stops its stock counting at once; enabling it, or changing its URL, syncs it.',
        tags: ['admin'],
        access: 'admin',
        params: vendorParams,
        body: updateVendorBody,
        ok: { 200: { description: 'The vendor as it is now.', schema: vendor } },
        refusals: { 404: NO_VENDOR, 409: NAME_TAKEN },
      }),
      onRequest: admin,
    },
    async (request) => vendors.update(request.params.id, request.body),
  );

  app.post(
    '/api/admin/vendors/:id/sync',
    {
      schema: route({
        operationId: 'syncVendor',
        summary: "Queue a sync of a vendor's stock now",
        tags: ['admin'],
        access: 'admin',
        params: vendorParams,
        ok: { 202: { description: 'The sync is queued; GET /api/admin/vendors shows its outcome.', schema: syncAccepted } },
        refusals: { 404: NO_VENDOR, 409: 'INVALID_STATE: the vendor is disabled.' },
      }),
      onRequest: admin,
    },
    async (request, reply) => reply.code(202).send(await vendors.requestSync(request.params.id)),
  );

  app.post(
    '/api/admin/vendors/:id/simulate/:fault',
    {
      schema: route({
        operationId: 'simulateVendorFault',
        summary: "Flip a simulated vendor's fault switch (demos)",
        description:
          "Forwarded as it is to the vendor's own `POST /simulate/:fault` (fluctuation, outage, latency, errors, garbage, stock, reset; the bodies are in src/simulators/vendor-sim/README.md), and its answer returned. 503 when the vendor does not answer.",
        tags: ['admin'],
        access: 'admin',
        params: simulateParams,
        body: simulateBody,
        bodyOptional: true,
        ok: { 200: { description: "The vendor's answer: the switches now in force.", schema: simulateAnswer } },
        refusals: { 400: 'VALIDATION_FAILED: the vendor refused the body; `details.answer` is its answer.', 404: NO_VENDOR },
      }),
      onRequest: admin,
    },
    async (request) => vendors.simulate(request.params.id, request.params.fault, request.body ?? undefined),
  );
};
