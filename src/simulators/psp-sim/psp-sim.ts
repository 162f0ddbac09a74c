import Fastify, { type FastifyBaseLogger, type FastifyInstance, type FastifyReply, LogController } from 'fastify';
import { serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { registerErrorHandling, sendError } from '../../http/error-handler.js';
import { AppError, errorPayload } from '../../lib/errors.js';
import { errorResponse } from '../../lib/http-schemas.js';
import type { Logger } from '../../lib/logger.js';
import { CHECKOUT_CSP, checkoutPage, unknownPaymentPage } from './checkout-page.js';
import { completePaymentBody, createdPayment, createPaymentBody, type PaymentOutcome, paymentParams, paymentView } from './psp-sim.schemas.js';
import { type SimulatedPayment, SimulatedPayments, viewOf } from './simulated-payments.js';
import { type RetryPolicy, WebhookSender } from './webhook-sender.js';

/**
 * The payment simulator (the `psp-sim` role, dev and test only): a stand-in for a payment provider
 * with its own port. The API creates a payment (`POST /v1/payments`) and sends the buyer to its
 * checkout page; "Pay" or "Decline" there (or `POST /v1/payments/:id/complete` from a test) marks the
 * payment and sends a signed webhook to the API, retried with backoff until it is answered 2xx.
 *
 * `POST /v1/payments` is idempotent per order: 201 when it creates the payment, 200 with the same
 * payment when the order has one already, 409 CONFLICT when that one is for another amount or
 * currency. Completing a payment twice with the same outcome is answered 200 and sends nothing again;
 * with the other outcome, 409 INVALID_STATE.
 */

export interface PspSimOptions {
  /** The API's webhook endpoint; a function when it is known only once the API listens. */
  webhookUrl: string | (() => string);
  /** PAYMENT_WEBHOOK_SECRET; several sign each webhook with each (a rotation in progress). */
  webhookSecret: string | readonly string[];
  /** Base of the checkout links; unset: the address the simulator listens on. */
  publicBaseUrl?: string;
  logger: Logger;
  /** Webhook retries; the default is a real provider's (0.5 s doubling to 30 s, for 24 h). */
  retry?: Partial<RetryPolicy>;
  webhookTimeoutMs?: number;
  /** Webhook attempts in flight at once. */
  maxConcurrentWebhooks?: number;
}

export interface PspSim {
  readonly app: FastifyInstance;
  /** Starts listening; resolves to the base URL it listens on. */
  listen(options: { port: number; host?: string }): Promise<string>;
  /** Stops webhook retries, then the HTTP server. */
  close(): Promise<void>;
}

const checkoutParams = z.object({ paymentId: z.string().min(1).max(100) }).strict();
function asHtmlPage(reply: FastifyReply): void {
  reply.header('content-security-policy', CHECKOUT_CSP).header('cache-control', 'no-store').type('text/html; charset=utf-8');
}

export function createPspSim(options: PspSimOptions): PspSim {
  const logger = options.logger.child({ component: 'psp-sim' });
  const payments = new SimulatedPayments();
  const webhooks = new WebhookSender({
    url: options.webhookUrl,
    secret: options.webhookSecret,
    logger,
    ...(options.retry ? { retry: options.retry } : {}),
    ...(options.webhookTimeoutMs !== undefined ? { attemptTimeoutMs: options.webhookTimeoutMs } : {}),
    ...(options.maxConcurrentWebhooks !== undefined ? { maxConcurrentAttempts: options.maxConcurrentWebhooks } : {}),
  });
  let listeningUrl: string | undefined;
  const publicBaseUrl = options.publicBaseUrl?.replace(/\/+$/, '');
  const checkoutUrl = (payment: SimulatedPayment) => `${publicBaseUrl ?? listeningUrl ?? ''}/checkout/${payment.id}`;

  const complete = (id: string, outcome: PaymentOutcome) => {
    const result = payments.complete(id, outcome);
    if (result.kind === 'completed') {
      result.payment.webhook = webhooks.send(result.event);
      logger.info({ paymentId: id, orderId: result.payment.orderId, outcome, eventId: result.event.id }, 'payment completed');
    }
    return result;
  };

  const app = Fastify({
    loggerInstance: logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: 64 * 1024,
    forceCloseConnections: 'idle',
    // As the API does: a long id reaches its route's schema, and what the router refuses (a bad
    // percent-encoding) is answered in the simulator's error format, not Fastify's own.
    routerOptions: { maxParamLength: 16_384 },
    frameworkErrors: sendError,
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrorHandling(app);
  // The checkout forms post no fields; parsing them keeps the routes to one content type each.
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 1_024 }, (_request, body, done) =>
    done(null, Object.fromEntries(new URLSearchParams(body as string))),
  );

  app.post(
    '/v1/payments',
    { schema: { body: createPaymentBody, response: { 200: createdPayment, 201: createdPayment, 409: errorResponse } } },
    async (request, reply) => {
      const result = payments.create(request.body);
      const { payment } = result;
      if (result.kind === 'mismatch') {
        const details = { orderId: payment.orderId, paymentId: payment.id, amountCents: payment.amountCents, currency: payment.currency };
        return reply.code(409).send(errorPayload('CONFLICT', 'this order already has a payment for another amount or currency', details));
      }
      const answer = { paymentId: payment.id, checkoutUrl: checkoutUrl(payment), status: payment.status };
      return reply.code(result.kind === 'created' ? 201 : 200).send(answer);
    },
  );

  app.get('/v1/payments/:id', { schema: { params: paymentParams, response: { 200: paymentView } } }, async (request) => {
    const payment = payments.get(request.params.id);
    if (!payment) throw new AppError('NOT_FOUND', 'payment not found');
    return viewOf(payment, checkoutUrl(payment));
  });

  app.post(
    '/v1/payments/:id/complete',
    { schema: { params: paymentParams, body: completePaymentBody, response: { 200: paymentView } } },
    async (request) => {
      const result = complete(request.params.id, request.body.outcome);
      if (result.kind === 'not-found') throw new AppError('NOT_FOUND', 'payment not found');
      if (result.kind === 'conflict') {
        throw new AppError('INVALID_STATE', `payment already ${result.payment.status}`, { status: result.payment.status });
      }
      return viewOf(result.payment, checkoutUrl(result.payment));
    },
  );

  app.get('/checkout/:paymentId', { schema: { params: checkoutParams } }, async (request, reply) => {
    const payment = payments.get(request.params.paymentId);
    asHtmlPage(reply);
    if (!payment) return reply.code(404).send(unknownPaymentPage());
    return reply.send(checkoutPage(payment));
  });

  for (const [action, outcome] of [
    ['pay', 'succeeded'],
    ['decline', 'failed'],
  ] as const) {
    app.post(`/checkout/:paymentId/${action}`, { schema: { params: checkoutParams } }, async (request, reply) => {
      const result = complete(request.params.paymentId, outcome);
      asHtmlPage(reply);
      if (result.kind === 'not-found') return reply.code(404).send(unknownPaymentPage());
      if (result.kind === 'conflict') return reply.code(409).send(checkoutPage(result.payment, { conflict: true }));
      // Post/redirect/get: reloading the outcome page must not post again.
      return reply.redirect(`/checkout/${result.payment.id}`, 303);
    });
  }

  return {
    app,
    async listen({ port, host = '127.0.0.1' }) {
      await app.listen({ port, host });
      const address = app.server.address();
      const boundPort = typeof address === 'object' && address ? address.port : port;
      listeningUrl = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
      const webhookUrl = typeof options.webhookUrl === 'function' ? '(the API in this process)' : options.webhookUrl;
      logger.info({ url: listeningUrl, webhookUrl }, 'payment simulator listening');
      return listeningUrl;
    },
    async close() {
      await webhooks.close();
      await app.close();
    },
  };
}
