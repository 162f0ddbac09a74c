import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../src/lib/logger.js';
import { PaymentProviderUnavailableError } from '../src/modules/payments/payments.errors.js';
import { PspSimPaymentProvider } from '../src/modules/payments/psp-sim.provider.js';
import { verifyWebhookSignature } from '../src/modules/payments/webhook-signature.js';
import { createPspSim, type PspSim } from '../src/simulators/psp-sim/psp-sim.js';
import type { RetryPolicy } from '../src/simulators/psp-sim/webhook-sender.js';
import { Api, eventually } from './support/http.js';
import { freePort } from './support/stores.js';

const SECRET = 'psp-sim-test-webhook-secret';
const logger = createLogger('silent');

interface ReceivedWebhook {
  headers: IncomingHttpHeaders;
  rawBody: string;
  receivedAtSeconds: number;
}

/** A stand-in for the API's webhook route: records every request and answers from a script of statuses. */
class WebhookReceiver {
  readonly received: ReceivedWebhook[] = [];
  private server: Server | undefined;

  constructor(private readonly statusFor: (attempt: number, body: string) => number) {}

  async start(): Promise<string> {
    this.server = createServer((request, response) => {
      const chunks: Buffer[] = [];
      request.on('data', (chunk: Buffer) => chunks.push(chunk));
      request.on('end', () => {
        const rawBody = Buffer.concat(chunks).toString('utf8');
        this.received.push({ headers: request.headers, rawBody, receivedAtSeconds: Date.now() / 1_000 });
        const attempt = this.received.filter((r) => r.rawBody === rawBody).length;
        response.writeHead(this.statusFor(attempt, rawBody), { 'content-type': 'application/json' }).end('{"received":true}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const address = this.server.address();
    return `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/api/payments/webhook`;
  }

  forEvent(eventId: string): ReceivedWebhook[] {
    return this.received.filter((r) => (JSON.parse(r.rawBody) as { id: string }).id === eventId);
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise((resolve) => this.server?.close(resolve));
  }
}

async function startSim(webhookUrl: string, retry: Partial<RetryPolicy> = { initialDelayMs: 20, maxDelayMs: 80, jitter: false }) {
  const sim = createPspSim({ webhookUrl, webhookSecret: SECRET, logger, retry });
  const url = await sim.listen({ port: 0 });
  return { sim, url, api: Api.unchecked(url) };
}

/** The payment once its webhook has stopped being retried. */
function settledPayment(api: Api, paymentId: string) {
  return eventually(async () => {
    const { body } = await api.get(`/v1/payments/${paymentId}`);
    return body.webhook && ['delivered', 'gave-up'].includes(body.webhook.state) ? body : undefined;
  }, `the webhook of ${paymentId} to settle`);
}

describe('the payment simulator', () => {
  // The receiver fails the first two attempts of every event, then accepts.
  const receiver = new WebhookReceiver((attempt) => (attempt <= 2 ? 500 : 200));
  let sim: PspSim;
  let api: Api;
  let provider: PspSimPaymentProvider;

  beforeAll(async () => {
    const started = await startSim(await receiver.start());
    sim = started.sim;
    api = started.api;
    provider = new PspSimPaymentProvider({ baseUrl: started.url });
  });
  afterAll(async () => {
    await sim?.close();
    await receiver.stop();
  });

  it('retries a webhook until a 2xx, the same event each time, freshly signed over the exact raw body', async () => {
    const orderId = `order-${Date.now()}`;
    const { paymentId } = await provider.createPayment({ orderId, amountCents: 4_250, currency: 'EUR' });
    const completed = await api.post(`/v1/payments/${paymentId}/complete`, { outcome: 'succeeded' });
    expect(completed.status).toBe(200);
    expect(completed.body.status).toBe('succeeded');

    const settled = await settledPayment(api, paymentId);
    expect(settled.webhook).toMatchObject({ state: 'delivered', attempts: 3, lastStatus: 200, type: 'payment.succeeded' });
    const eventId: string = settled.webhook.eventId;
    expect(eventId).toMatch(/^evt_/);

    const deliveries = receiver.forEvent(eventId);
    expect(deliveries).toHaveLength(3);
    for (const delivery of deliveries) {
      const header = delivery.headers['payment-signature'] as string;
      expect(verifyWebhookSignature(SECRET, delivery.rawBody, header, Math.floor(delivery.receivedAtSeconds))).toMatchObject({ status: 'ok' });
      expect(verifyWebhookSignature('another-secret-entirely', delivery.rawBody, header, delivery.receivedAtSeconds).status).toBe('bad-signature');
      expect(delivery.headers['content-type']).toBe('application/json');
      expect(JSON.parse(delivery.rawBody)).toEqual({
        id: eventId,
        type: 'payment.succeeded',
        data: { paymentId, orderId, amountCents: 4_250, currency: 'EUR' },
      });
    }
    expect(new Set(deliveries.map((d) => d.rawBody)).size).toBe(1);
  });

  it('creates one payment per order, and refuses the same order for another amount', async () => {
    const orderId = `order-idem-${Date.now()}`;
    const first = await api.post('/v1/payments', { orderId, amountCents: 999, currency: 'USD', description: 'two mugs' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ status: 'pending', checkoutUrl: expect.stringMatching(`/checkout/${first.body.paymentId}$`) });
    const again = await api.post('/v1/payments', { orderId, amountCents: 999, currency: 'USD' });
    expect(again.status).toBe(200);
    expect(again.body.paymentId).toBe(first.body.paymentId);
    expect((await provider.createPayment({ orderId, amountCents: 999, currency: 'USD' })).paymentId).toBe(first.body.paymentId);

    const other = await api.post('/v1/payments', { orderId, amountCents: 1_000, currency: 'USD' });
    expect(other.status).toBe(409);
    expect(other.body.error).toMatchObject({ code: 'CONFLICT', details: { paymentId: first.body.paymentId, amountCents: 999 } });
  });

  it('completes a payment once: the same outcome again is a no-op, the other one a 409', async () => {
    const { paymentId } = await provider.createPayment({ orderId: `order-once-${Date.now()}`, amountCents: 100, currency: 'EUR' });
    expect((await api.post(`/v1/payments/${paymentId}/complete`, { outcome: 'failed' })).status).toBe(200);
    const settled = await settledPayment(api, paymentId);

    const same = await api.post(`/v1/payments/${paymentId}/complete`, { outcome: 'failed' });
    expect(same.status).toBe(200);
    expect(same.body.webhook.eventId).toBe(settled.webhook.eventId);
    const other = await api.post(`/v1/payments/${paymentId}/complete`, { outcome: 'succeeded' });
    expect(other.status).toBe(409);
    expect(other.body.error.code).toBe('INVALID_STATE');

    const after = await api.get(`/v1/payments/${paymentId}`);
    expect(after.body).toMatchObject({ status: 'failed', webhook: { eventId: settled.webhook.eventId, type: 'payment.failed', attempts: 3 } });
    expect(receiver.forEvent(settled.webhook.eventId)).toHaveLength(3);
  });

  it.each([
    ['a missing amount', { orderId: 'o', currency: 'EUR' }],
    ['a fractional amount', { orderId: 'o', amountCents: 1.5, currency: 'EUR' }],
    ['a zero amount', { orderId: 'o', amountCents: 0, currency: 'EUR' }],
    ['a lower-case currency', { orderId: 'o', amountCents: 100, currency: 'eur' }],
    ['an empty order id', { orderId: '', amountCents: 100, currency: 'EUR' }],
    ['an unknown field', { orderId: 'o', amountCents: 100, currency: 'EUR', capture: true }],
    ['a return URL that is not a web page', { orderId: 'o', amountCents: 100, currency: 'EUR', returnUrl: 'javascript:alert(1)' }],
    ['a relative return URL', { orderId: 'o', amountCents: 100, currency: 'EUR', returnUrl: '/orders/o' }],
  ])('answers %s with 400 in the error format', async (_label, body) => {
    const answer = await api.post('/v1/payments', body);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });

  it('answers an unknown payment with 404, and a bad outcome with 400', async () => {
    expect((await api.get('/v1/payments/pay_nope')).body.error.code).toBe('NOT_FOUND');
    expect((await api.post('/v1/payments/pay_nope/complete', { outcome: 'succeeded' })).status).toBe(404);
    const { paymentId } = await provider.createPayment({ orderId: `order-bad-${Date.now()}`, amountCents: 100, currency: 'EUR' });
    expect((await api.post(`/v1/payments/${paymentId}/complete`, { outcome: 'refunded' })).status).toBe(400);
    expect((await api.get(`/v1/payments/${paymentId}`)).body.status).toBe('pending');
  });

  it('serves a self-contained checkout page whose Decline button declines and shows the outcome', async () => {
    const orderId = `<b>order</b>-${Date.now()}`;
    const { paymentId, checkoutUrl } = await provider.createPayment({
      orderId,
      amountCents: 123_456,
      currency: 'USD',
      description: '<script>x</script>',
    });
    const page = await fetch(checkoutUrl);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('content-security-policy')).toContain("default-src 'none'");
    const pending = await page.text();
    expect(pending).toContain('$1,234.56');
    expect(pending).toContain('&lt;b&gt;order&lt;/b&gt;');
    expect(pending).toContain('&lt;script&gt;x&lt;/script&gt;');
    expect(pending).not.toContain('<script>');
    expect(pending).not.toMatch(/(src|href)="http/);
    expect(pending).toContain(`<form method="post" action="/checkout/${paymentId}/pay">`);
    expect(pending).toContain(`<form method="post" action="/checkout/${paymentId}/decline">`);

    // What a browser sends for a form without fields.
    const declined = await fetch(`${checkoutUrl}/decline`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: '',
      redirect: 'manual',
    });
    expect(declined.status).toBe(303);
    expect(declined.headers.get('location')).toBe(`/checkout/${paymentId}`);
    const outcome = await (await fetch(checkoutUrl)).text();
    expect(outcome).toContain('role="status"');
    expect(outcome).toContain('Payment declined');
    expect(outcome).not.toContain('<form');

    const payAfterDecline = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(payAfterDecline.status).toBe(409);
    expect(await payAfterDecline.text()).toContain('already declined');
    const settled = await settledPayment(api, paymentId);
    expect(settled).toMatchObject({ status: 'failed', webhook: { type: 'payment.failed', state: 'delivered' } });
  });

  it('pays from the checkout page', async () => {
    const { paymentId, checkoutUrl } = await provider.createPayment({ orderId: `order-pay-${Date.now()}`, amountCents: 500, currency: 'JPY' });
    expect(await (await fetch(checkoutUrl)).text()).toContain('¥500');
    const paid = await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    expect(paid.status).toBe(303);
    expect(await (await fetch(checkoutUrl)).text()).toContain('Payment succeeded');
    expect((await settledPayment(api, paymentId)).webhook).toMatchObject({ type: 'payment.succeeded', state: 'delivered' });
  });

  it('leads the buyer back to the shop once they have paid, and not before', async () => {
    const returnUrl = 'https://shop.example.test/orders/o-1?from="psp"';
    const { paymentId, checkoutUrl } = await provider.createPayment({
      orderId: `order-back-${Date.now()}`,
      amountCents: 700,
      currency: 'EUR',
      returnUrl,
    });
    expect((await api.get(`/v1/payments/${paymentId}`)).body.returnUrl).toBe(returnUrl);
    expect(await (await fetch(checkoutUrl)).text()).not.toContain('Back to the shop');
    await fetch(`${checkoutUrl}/pay`, { method: 'POST', redirect: 'manual' });
    const paid = await (await fetch(checkoutUrl)).text();
    expect(paid).toContain('<a class="back" href="https://shop.example.test/orders/o-1?from=&quot;psp&quot;">Back to the shop</a>');
  });

  it('offers no way back when the shop gave none', async () => {
    const { paymentId, checkoutUrl } = await provider.createPayment({ orderId: `order-noback-${Date.now()}`, amountCents: 700, currency: 'EUR' });
    await fetch(`${checkoutUrl}/decline`, { method: 'POST', redirect: 'manual' });
    expect((await api.get(`/v1/payments/${paymentId}`)).body).toMatchObject({ status: 'failed', returnUrl: null });
    expect(await (await fetch(checkoutUrl)).text()).not.toContain('Back to the shop');
  });

  it('answers an unknown checkout link with a 404 page', async () => {
    const answer = await fetch(`${api.baseUrl}/checkout/pay_unknown`);
    expect(answer.status).toBe(404);
    expect(await answer.text()).toContain('Payment not found');
  });

  it.each([
    ['a payment id longer than the router takes', `/v1/payments/${'x'.repeat(200)}`],
    ['a checkout link longer than the router takes', `/checkout/${'x'.repeat(200)}`],
    ['a path that is not valid percent-encoding', '/checkout/%E0%A4%A'],
  ])('answers %s with 400 VALIDATION_FAILED in its error format', async (_label, path) => {
    const answer = await api.get(path);
    expect(answer.status).toBe(400);
    expect(answer.body.error.code).toBe('VALIDATION_FAILED');
  });
});

describe('the payment simulator giving up', () => {
  it('stops retrying a webhook nobody accepts once its retry budget is spent', async () => {
    const receiver = new WebhookReceiver(() => 503);
    const { sim, api } = await startSim(await receiver.start(), { initialDelayMs: 10, maxDelayMs: 20, jitter: false, giveUpAfterMs: 150 });
    try {
      const created = await api.post('/v1/payments', { orderId: 'order-doomed', amountCents: 100, currency: 'EUR' });
      await api.post(`/v1/payments/${created.body.paymentId}/complete`, { outcome: 'succeeded' });
      const settled = await settledPayment(api, created.body.paymentId);
      expect(settled.webhook).toMatchObject({ state: 'gave-up', lastStatus: 503, nextAttemptAt: null });
      expect(settled.webhook.attempts).toBeGreaterThan(1);
      expect(receiver.forEvent(settled.webhook.eventId)).toHaveLength(settled.webhook.attempts);
    } finally {
      await sim.close();
      await receiver.stop();
    }
  });

  it('stops retrying when closed', async () => {
    const receiver = new WebhookReceiver(() => 500);
    const { sim, api } = await startSim(await receiver.start(), { initialDelayMs: 20, maxDelayMs: 20, jitter: false });
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    try {
      const created = await api.post('/v1/payments', { orderId: 'order-closing', amountCents: 100, currency: 'EUR' });
      await api.post(`/v1/payments/${created.body.paymentId}/complete`, { outcome: 'succeeded' });
      await eventually(async () => (receiver.received.length >= 2 ? true : undefined), 'two attempts');
      await sim.close();
      // An attempt aborted by close may still land just after it; nothing may come after that.
      await sleep(300);
      const afterClose = receiver.received.length;
      await sleep(300);
      expect(receiver.received).toHaveLength(afterClose);
    } finally {
      await sim.close();
      await receiver.stop();
    }
  });
});

describe('the simulator adapter (PspSimPaymentProvider)', () => {
  /** A server that answers every request with `handler`, or never when it returns undefined. */
  async function fakeProvider(handler: () => { status: number; body: string } | undefined) {
    const server = createServer((_request, response) => {
      const answer = handler();
      if (answer) response.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const baseUrl = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return {
      baseUrl,
      async stop() {
        server.closeAllConnections();
        await new Promise((resolve) => server.close(resolve));
      },
    };
  }

  const input = { orderId: 'o-1', amountCents: 100, currency: 'EUR' };

  async function failureOf(provider: PspSimPaymentProvider): Promise<PaymentProviderUnavailableError> {
    const error = await provider.createPayment(input).then(
      () => undefined,
      (thrown: unknown) => thrown,
    );
    expect(error).toBeInstanceOf(PaymentProviderUnavailableError);
    const unavailable = error as PaymentProviderUnavailableError;
    // What the API's error handler turns into 503 UNAVAILABLE.
    expect(unavailable).toMatchObject({ code: 'UNAVAILABLE', status: 503 });
    return unavailable;
  }

  it('maps a provider nobody listens on to "unreachable"', async () => {
    const provider = new PspSimPaymentProvider({ baseUrl: `http://127.0.0.1:${await freePort()}` });
    expect((await failureOf(provider)).reason).toBe('unreachable');
  });

  it('maps a provider that does not answer in time to "timeout"', async () => {
    const silent = await fakeProvider(() => undefined);
    try {
      expect((await failureOf(new PspSimPaymentProvider({ baseUrl: silent.baseUrl, timeoutMs: 100 }))).reason).toBe('timeout');
    } finally {
      await silent.stop();
    }
  });

  it('maps an error status to "error-status", keeping the status for the log', async () => {
    const failing = await fakeProvider(() => ({ status: 500, body: '{"error":{"code":"INTERNAL","message":"boom"}}' }));
    try {
      const error = await failureOf(new PspSimPaymentProvider({ baseUrl: failing.baseUrl }));
      expect(error).toMatchObject({ reason: 'error-status', providerStatus: 500 });
      expect(error.detail).toContain('boom');
      expect(error.message).not.toContain('boom');
    } finally {
      await failing.stop();
    }
  });

  it('maps an answer without a payment id or checkout URL to "malformed-response"', async () => {
    for (const body of ['{}', 'not json', '{"paymentId":"p","checkoutUrl":"javascript:alert(1)"}']) {
      const odd = await fakeProvider(() => ({ status: 201, body }));
      try {
        expect((await failureOf(new PspSimPaymentProvider({ baseUrl: odd.baseUrl }))).reason).toBe('malformed-response');
      } finally {
        await odd.stop();
      }
    }
  });
});
