import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import Fastify, { type FastifyBaseLogger, type FastifyInstance, LogController, type onRequestHookHandler, type onResponseHookHandler } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Container } from '../container.js';
import { errorResponse } from '../lib/http-schemas.js';
import { requestLogger } from '../lib/logger.js';
import { authRoutes } from '../modules/auth/auth.routes.js';
import { cartsRoutes } from '../modules/carts/carts.routes.js';
import { catalogRoutes } from '../modules/catalog/catalog.routes.js';
import { failedJobsRoutes } from '../modules/failed-jobs/failed-jobs.routes.js';
import { inventoryRoutes } from '../modules/inventory/inventory.routes.js';
import { mailPreferencesRoutes } from '../modules/notifications/mail-preferences.routes.js';
import { notificationsRoutes } from '../modules/notifications/notifications.routes.js';
import { opsRoutes } from '../modules/ops/ops.routes.js';
import { ordersRoutes } from '../modules/orders/orders.routes.js';
import { paymentsRoutes } from '../modules/payments/payments.routes.js';
import { attachSocketGateway } from '../modules/realtime/socket-gateway.js';
import { vendorsRoutes } from '../modules/vendors/vendors.routes.js';
import { answerClientError, registerErrorHandling, sendError } from './error-handler.js';
import { registerJsonBodies } from './json-body.js';
import { openapiDocument, transform, transformObject } from './openapi.js';
import { parseQueryString } from './query-string.js';
import { registerQueueBoard } from './queue-board.js';
import { registerRateLimits } from './rate-limits.js';
import { registerWebUi } from './web-ui.js';

/**
 * zod's serializer, except for error bodies: those are built by typed code (errorPayload), and
 * encoding each 409 of a flash sale through zod costs more than the rest of the refusal.
 */
const serializeResponses: typeof serializerCompiler = (route) =>
  route.schema === errorResponse ? (data: unknown) => JSON.stringify(data) : serializerCompiler(route);

/**
 * `GET /docs` is where the contract says the OpenAPI document is: a program that asks it for JSON
 * (and not for a page) gets the document, as at /docs/json, rather than the browser's HTML page.
 */
function serveDocumentToPrograms(app: FastifyInstance): onRequestHookHandler {
  return (request, reply, done) => {
    const accept = request.headers.accept ?? '';
    const path = request.url.split('?')[0];
    if ((path === '/docs' || path === '/docs/') && accept.includes('application/json') && !accept.includes('text/html')) {
      reply.send(app.swagger());
      return;
    }
    done();
  };
}

/** /health, /ready and /metrics alone, for a worker process that serves no API. */
export async function buildOpsApp(container: Container): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: container.logger.child({ component: 'ops-http' }) as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    frameworkErrors: sendError,
    clientErrorHandler: answerClientError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  await app.register(opsRoutes, { ops: container.ops, metrics: container.metrics });
  return app;
}

/** The HTTP API of one instance, ready to listen. */
export async function buildApp(container: Container): Promise<FastifyInstance> {
  const { config, metrics } = container;
  const logger = container.logger.child({ component: 'http' });
  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    // Fastify's request logs use a child logger per request, which costs the hot path more than
    // the order itself; the request lines are written by the hooks below instead.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 256 * 1024,
    // Behind a load balancer, request.ip (and so every per-IP rate limit) must be the client's.
    trustProxy: config.trustProxy,
    return503OnClosing: true,
    forceCloseConnections: 'idle',
    // Any path segment fits (the request line is bounded by the header limit), so a long one
    // reaches the route's schema and gets its 400 like any other bad value.
    // An empty query parameter is one not given (see parseQueryString).
    routerOptions: { maxParamLength: 16_384, querystringParser: parseQueryString },
    // Refusals by the router (a bad percent-encoding) and by Node's HTTP parser, in the error format.
    frameworkErrors: sendError,
    clientErrorHandler: answerClientError,
    // One logger for every request rather than a child per request: what is logged carries the URL itself.
    childLoggerFactory: (logger) => logger,
  }).withTypeProvider<ZodTypeProvider>();

  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializeResponses);
  app.decorateRequest('authUser', undefined);
  registerJsonBodies(app);
  // Decided once: with LOG_LEVEL above info there is no request log and no hook for one.
  const logRequests = requestLogger(logger);
  registerErrorHandling(app, metrics, logRequests);

  // Latency per route, and its request log line. Each route's URL is captured when it is
  // registered: request.routeOptions builds a new object on every read, which a hook on every
  // request should not pay for.
  app.addHook('onRoute', (route) => {
    const record = metrics.httpRecorder(route.url);
    const observe: onResponseHookHandler = (request, reply, done) => {
      record(request.method, reply.statusCode, reply.elapsedTime / 1_000);
      done();
    };
    const hooks = [observe];
    const logLine = logRequests?.(route.url);
    if (logLine) {
      const logRequest: onResponseHookHandler = (request, reply, done) => {
        logLine(request.method, request.url, reply.statusCode, reply.elapsedTime);
        done();
      };
      hooks.push(logRequest);
    }
    route.onResponse = [...(route.onResponse ? [route.onResponse].flat() : []), ...hooks];
  });

  await app.register(swagger, { openapi: openapiDocument, transform, transformObject });
  await app.register(swaggerUi, { routePrefix: '/docs', uiHooks: { onRequest: serveDocumentToPrograms(app) } });

  const limits = await registerRateLimits(app, container.redis, container.keys.rateLimitNamespace(), config.rateLimitPerMinute);
  const { auth } = container;
  await app.register(opsRoutes, { ops: container.ops, metrics });
  await app.register(authRoutes, { auth, limits });
  await app.register(catalogRoutes, { auth, catalog: container.catalog });
  await app.register(inventoryRoutes, { auth, inventory: container.inventory });
  await app.register(ordersRoutes, { auth, placement: container.placement, queries: container.orderQueries, lifecycle: container.lifecycle, limits });
  await app.register(paymentsRoutes, {
    auth,
    payments: container.payments,
    webhooks: container.paymentWebhooks,
    webhookSecret: config.paymentWebhookSecret,
  });
  await app.register(notificationsRoutes, { auth, mailbox: container.mailbox });
  await app.register(mailPreferencesRoutes, { settings: container.cartReminderSettings });
  await app.register(failedJobsRoutes, { auth, failedJobs: container.failedJobs });
  await registerQueueBoard(app, { auth, queues: container.queues.all(), cookieMaxAgeSeconds: config.jwtTtlSeconds });
  await app.register(cartsRoutes, { auth, carts: container.carts });
  attachSocketGateway(app, container.createSocketGateway());
  await app.register(vendorsRoutes, { auth, vendors: container.vendors });
  await registerWebUi(app);
  return app;
}
