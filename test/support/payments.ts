import { randomBytes } from 'node:crypto';
import { expect } from 'vitest';
import type { MailboxMessage } from '../../src/modules/notifications/mailbox.js';
import { signWebhook } from '../../src/modules/payments/webhook-signature.js';
import { type Answer, Api, eventually } from './http.js';
import { WEBHOOK_SECRET } from './system.js';

export interface PaymentEvent {
  id: string;
  type: string;
  data: { paymentId: string; orderId: string; amountCents: number; currency: string };
}

/** A payment event as the provider would send it, with a fresh event id. */
export function paymentEvent(type: string, data: PaymentEvent['data']): PaymentEvent {
  return { id: `evt_test_${randomBytes(8).toString('hex')}`, type, data };
}

/**
 * POSTs a webhook signed as the provider signs it: `signedAt` (unix seconds) and `secret` default to
 * now and the test system's secret.
 */
export function sendWebhook(
  api: Api,
  event: PaymentEvent | string,
  options: { signedAt?: number; secret?: string; signature?: string } = {},
): Promise<Answer> {
  const rawBody = typeof event === 'string' ? event : JSON.stringify(event);
  const signature = options.signature ?? signWebhook(options.secret ?? WEBHOOK_SECRET, rawBody, options.signedAt ?? Date.now() / 1_000);
  // The provider sends no bearer token.
  return new Api(api.baseUrl).request('POST', '/api/payments/webhook', { rawBody, headers: { 'payment-signature': signature } });
}

/** Completes a payment on the payment simulator as a buyer's Pay on its page would, and checks it took it. */
export async function completeOnSimulator(pspSimUrl: string, paymentId: string): Promise<void> {
  const completed = await fetch(`${pspSimUrl}/v1/payments/${paymentId}/complete`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ outcome: 'succeeded' }),
  });
  expect(completed.status).toBe(200);
}

/**
 * An order of `quantity` × `sku` whose buyer started paying, cancelled it (another tab), and then paid
 * on the simulator all the same: its id, once the late payment is recorded as refund-due.
 */
export async function orderPaidAfterCancel(buyer: Api, pspSimUrl: string, sku: string, quantity: number): Promise<string> {
  const placed = await buyer.order([{ sku, quantity }], `paid-after-cancel-${sku}`);
  expect(placed.status).toBe(202);
  const orderId = placed.body.id as string;
  const payment = await buyer.post(`/api/orders/${orderId}/payment`);
  expect(payment.status).toBe(201);
  expect((await buyer.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(200);
  await completeOnSimulator(pspSimUrl, payment.body.paymentId);
  await expect.poll(async () => (await buyer.get(`/api/orders/${orderId}`)).body.payment?.refund, { timeout: 30_000 }).toBe('due');
  return orderId;
}

/** Every message in the SMTP sink's mailbox, newest first, through the admin API. */
export async function mailbox(admin: Api): Promise<MailboxMessage[]> {
  const messages: MailboxMessage[] = [];
  for (let page = 1; ; page++) {
    const answer = await admin.get(`/api/admin/mailbox?limit=100&page=${page}`);
    if (answer.status !== 200) throw new Error(`mailbox: ${answer.status}`);
    messages.push(...answer.body.items);
    if (answer.body.items.length < 100) return messages;
  }
}

/** Waits until `count` messages to `to` whose subject matches `subject` have arrived, then returns them. */
export function mailsTo(admin: Api, to: string, subject: RegExp, count = 1): Promise<MailboxMessage[]> {
  return eventually(async () => {
    const answer = await admin.get(`/api/admin/mailbox?limit=100&to=${encodeURIComponent(to)}`);
    const matching = (answer.body.items as MailboxMessage[]).filter((message) => subject.test(message.subject));
    return matching.length >= count ? matching : undefined;
  }, `${count} mail(s) to ${to} matching ${subject}`);
}
