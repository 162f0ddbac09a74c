import Fastify, { type FastifyBaseLogger, type FastifyError, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { type FastifyPluginAsyncZod, hasZodFastifySchemaValidationErrors, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Logger } from '../../lib/logger.js';
import { errorsBody, fluctuationBody, garbageBody, latencyBody, orderBody, outageBody, stockBody } from './vendor-sim.schemas.js';
import type { VendorSimulation } from './vendor-simulation.js';

/**
 * The HTTP API of one simulated vendor. It is an outside system, so its error vocabulary is its
 * own (`UNKNOWN_SKU`, `LINE_ID_REUSED`, ...), not flashcart's code registry; the body keeps the
 * familiar `{error: {code, message, details?}}` shape.
 */

type VendorErrorCode = 'VALIDATION_FAILED' | 'NOT_FOUND' | 'UNKNOWN_SKU' | 'INSUFFICIENT_STOCK' | 'LINE_ID_REUSED' | 'UNAVAILABLE' | 'INTERNAL';

const sendError = (reply: FastifyReply, status: number, code: VendorErrorCode, message: string, details?: Record<string, unknown>) =>
  reply.code(status).send({ error: { code, message, ...(details ? { details } : {}) } });

export async function buildVendorApp(simulation: VendorSimulation, logger: Logger): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: logger.child({ component: 'vendor-sim', vendor: simulation.name }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // Closing must not wait for a client's keep-alive connection or an answer held by the latency switch.
    forceCloseConnections: true,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);

  app.setErrorHandler((error: FastifyError, request, reply) => {
    if (hasZodFastifySchemaValidationErrors(error)) {
      return sendError(reply, 400, 'VALIDATION_FAILED', 'invalid body', {
        issues: error.validation.map((issue) => ({ path: issue.instancePath, message: issue.message })),
      });
    }
    if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
      return sendError(reply, error.statusCode, 'VALIDATION_FAILED', error.message);
    }
    request.log.error({ err: error }, 'vendor simulator failed');
    return sendError(reply, 500, 'INTERNAL', 'internal error');
  });
  app.setNotFoundHandler((request, reply) => sendError(reply, 404, 'NOT_FOUND', `no route ${request.method} ${request.url}`));

  await app.register(vendorApi, { simulation });
  await app.register(faultSwitches, { simulation, prefix: '/simulate' });
  app.addHook('onClose', async () => simulation.close());
  return app;
}

/** The vendor's own API, subject to every fault switch. */
const vendorApi: FastifyPluginAsyncZod<{ simulation: VendorSimulation }> = async (api, { simulation }) => {
  api.addHook('onRequest', async (request, reply) => {
    simulation.countRequest();
    const outage = simulation.activeOutage();
    if (outage === 'drop') {
      reply.hijack();
      request.raw.socket.destroy();
      return reply;
    }
    if (outage === 'unavailable') return sendError(reply, 503, 'UNAVAILABLE', 'vendor is down (simulated outage)');
    await simulation.delay();
    if (simulation.drawError()) return sendError(reply, 500, 'INTERNAL', 'simulated failure');
  });

  api.get('/health', async () => ({ status: 'ok' }));

  api.get('/info', async () => ({ name: simulation.name, skuCount: simulation.skuCount, faults: simulation.faults() }));

  api.get('/stock', async (_request, reply) => {
    const answer = simulation.stockAnswer();
    if (answer.kind === 'garbage') return reply.type('application/json').send(answer.text);
    return { vendor: simulation.name, asOf: answer.asOf, items: answer.items };
  });

  api.post('/orders', { schema: { body: orderBody } }, async (request, reply) => {
    const outcome = simulation.place(request.body);
    const { sku, quantity } = request.body;
    switch (outcome.kind) {
      case 'placed':
        return reply.code(outcome.replayed ? 200 : 201).send(outcome.order);
      case 'unknown-sku':
        return sendError(reply, 404, 'UNKNOWN_SKU', `${simulation.name} does not carry ${sku}`, { sku });
      case 'insufficient-stock':
        return sendError(reply, 409, 'INSUFFICIENT_STOCK', `${simulation.name} has ${outcome.available} of ${sku}`, {
          sku,
          requested: quantity,
          available: outcome.available,
        });
      case 'line-id-reused':
        return sendError(reply, 422, 'LINE_ID_REUSED', 'this line id already placed another order', { order: outcome.order });
    }
  });
};

/** The fault switches: never faulted themselves, so a demo can always turn a fault off. */
const faultSwitches: FastifyPluginAsyncZod<{ simulation: VendorSimulation }> = async (switches, { simulation }) => {
  const faults = () => ({ faults: simulation.faults() });

  switches.post('/outage', { schema: { body: outageBody } }, async (request) => {
    simulation.startOutage(request.body.seconds, request.body.mode);
    return faults();
  });

  switches.post('/latency', { schema: { body: latencyBody } }, async (request) => {
    simulation.setLatency(request.body.ms);
    return faults();
  });

  switches.post('/errors', { schema: { body: errorsBody } }, async (request) => {
    simulation.setErrorRate(request.body.rate);
    return faults();
  });

  switches.post('/garbage', { schema: { body: garbageBody } }, async (request) => {
    simulation.setGarbage(request.body.enabled ? request.body.kind : undefined);
    return faults();
  });

  switches.post('/fluctuation', { schema: { body: fluctuationBody } }, async (request) => {
    const body = request.body;
    if (body.mode === 'timer') simulation.startFluctuation(body.intervalMs, body.maxStep);
    else if (body.mode === 'off') simulation.stopFluctuation();
    else for (let step = 0; step < body.steps; step++) simulation.fluctuate(body.maxStep);
    return { ...faults(), items: simulation.items() };
  });

  switches.post('/stock', { schema: { body: stockBody } }, async (request) => {
    simulation.setStock(request.body.items);
    return { ...faults(), items: simulation.items() };
  });

  switches.post('/reset', async () => {
    simulation.resetFaults();
    return faults();
  });
};
