import { describe, expect, it } from 'vitest';
import {
  abandonedCart,
  deadLetter,
  fulfilmentFailed,
  lowStock,
  type MailLine,
  orderCancelled,
  orderExpired,
  orderFailed,
  orderNotTaken,
  orderReceived,
  paymentConfirmed,
  type RenderedMail,
  refundDue,
} from './templates.js';

const ORDER_ID = '0190f1a2-7c3e-8b4d-9e5f-a1b2c3d4e5f6';
const AT = new Date('2026-03-05T14:07:00Z');
const LINES: MailLine[] = [
  { sku: 'MUG-1', title: 'Coffee mug', quantity: 2, unitPriceCents: 1_250 },
  { sku: 'TEE-9', title: 'T-shirt', quantity: 1, unitPriceCents: 999 },
];
const HOSTILE = '<script>alert("x")</script> & <img src=x onerror=alert(1)>';
const HOSTILE_LINES: MailLine[] = [{ sku: 'EVIL-<1>', title: HOSTILE, quantity: 1, unitPriceCents: 100 }];

/** Characters only an unescaped interpolation could have put in the document. */
function expectEscaped(mail: RenderedMail) {
  expect(mail.html).not.toContain('<script');
  expect(mail.html).not.toContain('<img');
  expect(mail.html).not.toContain('EVIL-<1>');
}

const ORDER_URL = `https://shop.example/orders/${ORDER_ID}`;
const ADDRESS = { name: 'Ada Lovelace', line1: '1 Main St', city: 'Austin', region: 'TX', postalCode: '78701', country: 'US' };
const CONSOLE_URL = 'https://shop.example/admin/dead-letters';

const every: [string, () => RenderedMail][] = [
  ['order received', () => orderReceived({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL })],
  ['payment confirmed', () => paymentConfirmed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', paymentId: 'pay_1', paidAt: AT })],
  ['order expired', () => orderExpired({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiredAt: AT })],
  ['order cancelled', () => orderCancelled({ orderId: ORDER_ID, lines: LINES, currency: 'USD', cancelledAt: AT })],
  ['refund due', () => refundDue({ orderId: ORDER_ID, paymentId: 'pay_1', amountCents: 3_499, currency: 'USD', orderStatus: 'EXPIRED' })],
  ['order not taken', () => orderNotTaken({ orderId: ORDER_ID, lines: LINES, currency: 'USD' })],
  ['order failed', () => orderFailed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', reason: 'no vendor had stock', refundDue: true })],
  [
    'fulfilment failed',
    () =>
      fulfilmentFailed({
        orderId: ORDER_ID,
        lines: LINES,
        currency: 'USD',
        reason: 'no supplier could provide TEE-9',
        refund: { paymentId: 'pay_1', amountCents: 3_499 },
        vendorLines: [{ sku: 'MUG-1', vendor: 'acme', vendorOrderId: 'acme-7', quantity: 2 }],
      }),
  ],
  ['low stock', () => lowStock({ sku: 'MUG-1', title: 'Coffee mug', available: 3, threshold: 5 })],
  [
    'dead letter',
    () => deadLetter({ queue: 'notifications', jobName: 'send-email', reason: 'SMTP down', attempts: 3, failedAt: AT, consoleUrl: CONSOLE_URL }),
  ],
  [
    'abandoned cart',
    () => abandonedCart({ lines: LINES, currency: 'USD', cartUrl: 'https://shop.example/cart', stopUrl: 'https://shop.example/stop' }),
  ],
];

describe('mail templates', () => {
  it.each(every)('%s: a one-line subject, a whole HTML document and a text version', (_name, render) => {
    const mail = render();
    expect(mail.subject.length).toBeGreaterThan(0);
    expect(mail.subject).not.toMatch(/[\r\n]/);
    expect(mail.html).toMatch(/^<!doctype html>\n<html lang="en">/);
    expect(mail.html).toContain(`<title>`);
    expect(mail.html.trimEnd()).toMatch(/<\/html>$/);
    expect(mail.text.length).toBeGreaterThan(0);
    expect(mail.text).not.toContain('<');
  });

  describe('order received', () => {
    it('lists the lines with their totals and the time the reservation ends', () => {
      const mail = orderReceived({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL });
      expect(mail.subject).toBe(`Order ${ORDER_ID} received`);
      for (const part of [mail.html, mail.text]) {
        expect(part).toContain(ORDER_ID);
        expect(part).toContain('Coffee mug');
        expect(part).toContain('$12.50');
        expect(part).toContain('$25.00'); // 2 × $12.50
        expect(part).toContain('$9.99');
        expect(part).toContain('$34.99'); // the total
        expect(part).toMatch(/Mar 5, 2026, 2:07\sPM UTC/);
      }
      expect(mail.text).toContain('- Coffee mug (MUG-1): 2 × $12.50 = $25.00');
      expect(mail.text).toContain('Total: $34.99');
      // Where it is paid: the order's page in the shop.
      expect(mail.text).toContain(`Pay for your order: ${ORDER_URL}`);
      expect(mail.html).toContain(`href="${ORDER_URL}"`);
    });

    it('asks for no payment when the order costs nothing: the shop confirms it', () => {
      const free = [{ sku: 'FREE-1', title: 'Sticker', quantity: 3, unitPriceCents: 0 }];
      const mail = orderReceived({ orderId: ORDER_ID, lines: free, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL });
      for (const part of [mail.html, mail.text]) {
        expect(part).toContain('There is nothing to pay: the shop confirms your order before then.');
        expect(part).not.toContain('Pay before then');
      }
      expect(mail.text).toContain(`See your order: ${ORDER_URL}`);
      expect(mail.text).not.toContain('Pay for your order');
    });

    it('writes money and time in the configured locale and zone', () => {
      const mail = orderReceived(
        { orderId: ORDER_ID, lines: LINES, currency: 'EUR', expiresAt: AT, orderUrl: ORDER_URL },
        { locale: 'de-DE', timeZone: 'Europe/Berlin' },
      );
      expect(mail.text).toContain('34,99\u00a0€');
      expect(mail.text).toContain('05.03.2026, 15:07 Europe/Berlin');
    });

    it('shows where the order ships, as its country writes it, and no address for an order that gave none', () => {
      const mail = orderReceived({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL, shippingAddress: ADDRESS });
      expect(mail.text).toContain('Shipping to:\nAda Lovelace\n1 Main St\nAustin, TX 78701\nUnited States (US)');
      expect(mail.html).toContain('<strong>Shipping to</strong><br>Ada Lovelace<br>1 Main St<br>Austin, TX 78701<br>United States (US)');
      const none = orderReceived({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL });
      for (const part of [none.html, none.text]) expect(part).not.toContain('Shipping to');
    });

    it('shows an address written as markup as text', () => {
      const mail = orderReceived({
        orderId: ORDER_ID,
        lines: LINES,
        currency: 'USD',
        expiresAt: AT,
        orderUrl: ORDER_URL,
        shippingAddress: { ...ADDRESS, name: HOSTILE, line2: 'EVIL-<1>' },
      });
      expectEscaped(mail);
      expect(mail.html).toContain('<br>&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;');
      expect(mail.text).toContain(`Shipping to:\n${HOSTILE}\n1 Main St\nEVIL-<1>`);
    });

    it('shows a title written as markup as text', () => {
      const mail = orderReceived({ orderId: ORDER_ID, lines: HOSTILE_LINES, currency: 'USD', expiresAt: AT, orderUrl: ORDER_URL });
      expectEscaped(mail);
      expect(mail.html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &lt;img src=x onerror=alert(1)&gt;');
      expect(mail.html).toContain('EVIL-&lt;1&gt;');
      expect(mail.text).toContain(HOSTILE);
    });
  });

  describe('payment confirmed', () => {
    it('is an invoice: order id, date, payment, currency, every line with quantity, unit price and line total, and the total', () => {
      const mail = paymentConfirmed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', paymentId: 'pay_42', paidAt: AT });
      expect(mail.subject).toBe(`Payment confirmed: invoice for order ${ORDER_ID}`);
      expect(mail.text).toContain(`Order: ${ORDER_ID}`);
      expect(mail.text).toContain('Invoice date: Mar 5, 2026');
      expect(mail.text).toContain('Payment: pay_42');
      expect(mail.text).toContain('Currency: USD');
      expect(mail.text).toContain('- Coffee mug (MUG-1): 2 × $12.50 = $25.00');
      expect(mail.text).toContain('- T-shirt (TEE-9): 1 × $9.99 = $9.99');
      expect(mail.text).toContain('Total: $34.99');
      // In the HTML table: quantity, unit price and line total in their own cells.
      expect(mail.html).toMatch(/<td[^>]*>2<\/td>\s*<td[^>]*>\$12\.50<\/td>\s*<td[^>]*>\$25\.00<\/td>/);
      expect(mail.html).toMatch(/Total<\/td><td[^>]*>\$34\.99<\/td>/);
    });

    it('shows where the order ships under its lines, when the buyer gave an address', () => {
      const mail = paymentConfirmed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', paymentId: 'pay_42', paidAt: AT, shippingAddress: ADDRESS });
      expect(mail.text).toContain('Total: $34.99\n\nShipping to:\nAda Lovelace\n1 Main St\nAustin, TX 78701\nUnited States (US)');
      expect(mail.html).toMatch(/<\/table>\s*<p[^>]*><strong>Shipping to<\/strong><br>Ada Lovelace<br>/);
      const none = paymentConfirmed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', paymentId: 'pay_42', paidAt: AT });
      for (const part of [none.html, none.text]) expect(part).not.toContain('Shipping to');
    });

    it('claims no payment for an order the shop confirmed without one', () => {
      const mail = paymentConfirmed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', paymentId: undefined, paidAt: AT });
      expect(mail.subject).toBe(`Order ${ORDER_ID} confirmed: invoice`);
      expect(mail.text).toContain('Thank you: your order of $34.99 is confirmed. Here is your invoice.');
      expect(mail.text).toContain('Payment: arranged with the shop');
      for (const part of [mail.subject, mail.text, mail.html]) expect(part).not.toMatch(/received your payment|payment is confirmed/i);
      expect(mail.html).toContain('Thank you: your order is confirmed');
    });

    it("uses each currency's own decimals", () => {
      const yen = paymentConfirmed({
        orderId: ORDER_ID,
        lines: [{ sku: 'A', title: 'A', quantity: 3, unitPriceCents: 1_500 }],
        currency: 'JPY',
        paymentId: 'p',
        paidAt: AT,
      });
      expect(yen.text).toContain('3 × ¥1,500 = ¥4,500');
      const dinar = paymentConfirmed({
        orderId: ORDER_ID,
        lines: [{ sku: 'A', title: 'A', quantity: 1, unitPriceCents: 1_234 }],
        currency: 'KWD',
        paymentId: 'p',
        paidAt: AT,
      });
      expect(dinar.text).toContain('Total: KWD\u00a01.234');
    });

    it('escapes the lines', () => {
      expectEscaped(paymentConfirmed({ orderId: ORDER_ID, lines: HOSTILE_LINES, currency: 'USD', paymentId: '<p>', paidAt: AT }));
    });
  });

  it('tells the customer an expired order was not charged', () => {
    const mail = orderExpired({ orderId: ORDER_ID, lines: LINES, currency: 'USD', expiredAt: AT });
    expect(mail.subject).toBe(`Order ${ORDER_ID} expired`);
    expect(mail.text).toContain('You have not been charged');
    expect(mail.text).toContain('Total: $34.99');
  });

  it('gives a cancellation its reason, escaped', () => {
    const mail = orderCancelled({ orderId: ORDER_ID, lines: LINES, currency: 'USD', cancelledAt: AT, reason: 'changed <b>mind</b>' });
    expect(mail.text).toContain('Reason: changed <b>mind</b>');
    expect(mail.html).toContain('Reason: changed &lt;b&gt;mind&lt;/b&gt;');
    expect(orderCancelled({ orderId: ORDER_ID, lines: LINES, currency: 'USD', cancelledAt: AT }).text).not.toContain('Reason');
  });

  it('explains a refund due after expiry or cancellation, with the amount', () => {
    const expired = refundDue({ orderId: ORDER_ID, paymentId: 'pay_9', amountCents: 3_499, currency: 'EUR', orderStatus: 'EXPIRED' });
    expect(expired.text).toContain('€34.99');
    expect(expired.text).toContain('after its reservation had expired');
    expect(expired.text).toContain('pay_9');
    const cancelled = refundDue({ orderId: ORDER_ID, paymentId: 'pay_9', amountCents: 3_499, currency: 'EUR', orderStatus: 'CANCELLED' });
    expect(cancelled.text).toContain('after it had been cancelled');
  });

  it('tells a customer a failed order is refunded in full', () => {
    const mail = orderFailed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', reason: 'no vendor had <stock>', refundDue: true });
    expect(mail.text).toContain('refund of $34.99');
    expect(mail.html).toContain('no vendor had &lt;stock&gt;');
  });

  it('promises no recorded refund for a failed order nothing was paid for online', () => {
    const mail = orderFailed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', reason: 'no vendor had stock', refundDue: false });
    expect(mail.text).not.toContain('refund of');
    expect(mail.text).toContain('we will contact you');
  });

  it('gives admins a failed fulfilment: the refund due and the vendor lines to settle by hand', () => {
    const mail = fulfilmentFailed({
      orderId: ORDER_ID,
      lines: HOSTILE_LINES,
      currency: 'EUR',
      reason: 'no supplier could provide EVIL-<1>',
      refund: { paymentId: 'pay_3', amountCents: 100 },
      vendorLines: [{ sku: 'MUG-1', vendor: 'acme', vendorOrderId: 'acme-7', quantity: 2 }],
    });
    expect(mail.subject).toBe(`Fulfilment failed: order ${ORDER_ID}`);
    expect(mail.text).toContain('Refund: €1.00 due on payment pay_3');
    expect(mail.text).toContain('MUG-1 × 2: acme, order acme-7');
    expectEscaped(mail);
    const unpaid = fulfilmentFailed({ orderId: ORDER_ID, lines: LINES, currency: 'USD', reason: 'r', vendorLines: [] });
    expect(unpaid.text).toContain('Refund: none recorded');
    expect(unpaid.text).toContain('No line of it was ordered from a vendor.');
  });

  it('gives admins the SKU, title, availability and threshold of a low stock', () => {
    const mail = lowStock({ sku: 'MUG-1\r\nBcc: victim@example.com', title: HOSTILE, available: 3, threshold: 5 });
    expect(mail.subject).toBe('Low stock: MUG-1 Bcc: victim@example.com (3 left)');
    expect(mail.text).toContain('Available: 3');
    expect(mail.text).toContain('Threshold: 5');
    expect(mail.text).toContain(`Product: ${HOSTILE}`);
    expectEscaped(mail);
  });

  it("gives admins a dead letter's queue, job, attempts and reason, the reason cut short", () => {
    const mail = deadLetter({
      queue: 'notifications',
      jobName: 'send-email',
      jobId: 'job-7',
      reason: `Error: <boom>\n${'    at frame\n'.repeat(500)}`,
      attempts: 3,
      failedAt: AT,
      consoleUrl: CONSOLE_URL,
    });
    expect(mail.subject).toBe('Dead letter: notifications/send-email failed 3 time(s)');
    expect(mail.text).toContain('Retry or discard it in the admin console, under Dead letters.');
    expect(mail.text).toContain(`Open the dead letters: ${CONSOLE_URL}`);
    expect(mail.html).toContain(`href="${CONSOLE_URL}"`);
    expect(mail.text).toContain('Queue: notifications');
    expect(mail.text).toContain('Job: send-email');
    expect(mail.text).toContain('Job id: job-7');
    expect(mail.text).toContain('Attempts: 3');
    expect(mail.text).toContain('Error: <boom>');
    expect(mail.text).toContain('…');
    expect(mail.text.length).toBeLessThan(3_000);
    expect(mail.html).toContain('Error: &lt;boom&gt;');
  });

  it('links the abandoned cart and the page that stops the reminders, and refuses a link that is not http(s)', () => {
    const mail = abandonedCart({
      lines: LINES,
      currency: 'USD',
      cartUrl: 'https://shop.example/cart?x=1&y="2"',
      stopUrl: 'https://shop.example/mail/cart-reminders?token=a&b',
    });
    expect(mail.html).toContain('href="https://shop.example/cart?x=1&amp;y=&quot;2&quot;"');
    expect(mail.text).toContain('Back to your cart: https://shop.example/cart?x=1&y="2"');
    expect(mail.text).toContain('Total: $34.99');
    // How to stop them, in the text and in the footer of the HTML.
    expect(mail.text).toContain('Stop cart reminders: https://shop.example/mail/cart-reminders?token=a&b');
    expect(mail.html).toContain('href="https://shop.example/mail/cart-reminders?token=a&amp;b"');
    expect(() => abandonedCart({ lines: LINES, currency: 'USD', cartUrl: 'javascript:alert(1)', stopUrl: 'https://shop.example/stop' })).toThrow(
      /http/,
    );
    expect(() => abandonedCart({ lines: LINES, currency: 'USD', cartUrl: 'https://shop.example/cart', stopUrl: 'javascript:alert(1)' })).toThrow(
      /http/,
    );
  });
});
