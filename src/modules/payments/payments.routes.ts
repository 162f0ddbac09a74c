import { isUtf8 } from 'node:buffer';
import type { FastifyInstance, preValidationHookHandler } from 'fastify';
import type { FastifyPluginAsyncZod, ZodTypeProvider } from 'fastify-type-provider-zod';
import { authHooks, callerOf } from '../../http/auth-hooks.js';
import { encodedBodyRefusal } from '../../http/json-body.js';
import { route } from '../../http/openapi.js';
import { AppError } from '../../lib/errors.js';
import type { AuthService } from '../auth/auth.service.js';
import { orderParams } from '../orders/orders.schemas.js';
import type { PaymentWebhooks } from './payment-webhooks.js';
import { startedPayment, webhookEvent, webhookHeaders, webhookReceived } from './payments.schemas.js';
import type { PaymentsService } from './payments.service.js';
import { verifyWebhookSignature } from './webhook-signature.js';

declare module 'fastify' {
  interface FastifyRequest {
    /** The body's bytes as they arrived, on the payment webhook route only: its signature covers them. */
    rawBody?: Buffer;
  }
}

export interface PaymentsRoutesOptions {
  auth: AuthService;
  payments: PaymentsService;
  webhooks: PaymentWebhooks;
  /** PAYMENT_WEBHOOK_SECRET. */
  webhookSecret: string;
}

/** A webhook body larger than this is not a payment event. */
const WEBHOOK_BODY_LIMIT = 64 * 1024;

const SIGNATURE_PROBLEMS = {
  malformed: 'the Payment-Signature header is missing or malformed',
  'bad-signature': 'the Payment-Signature does not match the body',
  stale: 'the Payment-Signature is older than 300 s (or from the future)',
} as const;

export const paymentsRoutes: FastifyPluginAsyncZod<PaymentsRoutesOptions> = async (app, options) => {
  const { requireUser } = authHooks(options.auth);

  app.post(
    '/api/orders/:id/payment',
    {
      schema: route({
        operationId: 'startPayment',
        summary: 'Start paying for a PENDING order',
        description:
          "Creates the order's payment with the provider, or answers the one it has, and where to pay. The first call holds the stock " +
          'PAYMENT_HOLD_EXTENSION_SECONDS (600 by default) longer. The outcome arrives as a webhook; the order then shows it. ' +
          "The provider's page leads the buyer back to the order's page in the shop, an address built from PUBLIC_URL and the order id (never from the request).",
        tags: ['orders'],
        access: 'user',
        params: orderParams,
        ok: { 201: { description: 'The payment (the same one on every call) and its checkout page.', schema: startedPayment } },
        refusals: {
          404: "NOT_FOUND: no order with this id, or not one of the caller's.",
          409: 'INVALID_STATE: the order is no longer PENDING, or its hold expired; `details.status` says what it is.',
        },
      }),
      onRequest: requireUser,
    },
    async (request, reply) => reply.code(201).send(await options.payments.start(callerOf(request), request.params.id)),
  );

  // Its own context, so only this route reads its body as bytes (the signature covers them).
  await app.register(webhookRoute, options);
};

async function webhookRoute(app: FastifyInstance, options: PaymentsRoutesOptions): Promise<void> {
  const parseJson = app.getDefaultJsonParser('error', 'error');
  // JSON as bytes is the only body this route takes; anything else is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (request, body, done) => {
    const bytes = body as Buffer;
    request.rawBody = bytes;
    const encoded = encodedBodyRefusal(request);
    if (encoded) return done(encoded, undefined);
    if (!isUtf8(bytes)) return done(new AppError('VALIDATION_FAILED', 'the body is not valid UTF-8'), undefined);
    parseJson(request, bytes.toString('utf8'), done);
  });

  const verifySignature: preValidationHookHandler = (request, _reply, done) => {
    const header = request.headers['payment-signature'];
    const check = verifyWebhookSignature(
      options.webhookSecret,
      request.rawBody ?? Buffer.alloc(0),
      typeof header === 'string' ? header : undefined,
      Date.now() / 1_000,
    );
    if (check.status === 'ok') return done();
    request.log.warn({ signature: check.status }, 'payment webhook refused: signature');
    done(new AppError('VALIDATION_FAILED', SIGNATURE_PROBLEMS[check.status], { signature: check.status }));
  };

  app.withTypeProvider<ZodTypeProvider>().post(
    '/api/payments/webhook',
    {
      schema: route({
        operationId: 'receivePaymentWebhook',
        summary: 'Receive a signed payment event from the provider',
        description:
          'No bearer token: the Payment-Signature header (HMAC-SHA256 over "<t>.<raw body>") authenticates it, within 300 s. ' +
          'An event id seen before, an unknown payment or order, or a mismatched amount is answered 200 and changes nothing.',
        tags: ['payments'],
        access: 'public',
        headers: webhookHeaders,
        body: webhookEvent,
        ok: { 200: { description: 'Received: `outcome` says what the event did.', schema: webhookReceived } },
        refusals: {
          400: 'VALIDATION_FAILED: the signature is missing, malformed, wrong or stale (`details.signature` says which), or the body is not a payment event. Nothing is recorded.',
        },
      }),
      preValidation: verifySignature,
    },
    async (request) => ({ received: true as const, outcome: await options.webhooks.receive(request.body) }),
  );
}
