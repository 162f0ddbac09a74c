import { addressLines, type PostalAddress } from '../../lib/address.js';
import type { OutboxPayloads } from '../outbox/outbox-events.js';
import { DEFAULT_FORMAT, type FormatOptions, formatDate, formatDateTime, formatMoney } from './format.js';
import { html, type SafeHtml } from './html.js';

/**
 * Every mail flashcart sends, as typed functions from plain data to `{subject, html, text}`.
 *
 * Plain TypeScript rather than a template engine: the inputs are typed (a missing field is a
 * compile error, not an empty hole in a customer's mail), every interpolation goes through the
 * escaping `html` tag, and the HTML and text versions are written side by side so they say the same.
 * The inputs are this module's own types, not the orders module's, so the two can change apart.
 */

export interface RenderedMail {
  subject: string;
  html: string;
  text: string;
}

/** An order or cart line; the price is per unit, in minor units of the mail's currency. */
export interface MailLine {
  sku: string;
  title: string;
  quantity: number;
  unitPriceCents: number;
}

/** What every order mail shows. */
export interface OrderMailInput {
  orderId: string;
  lines: readonly MailLine[];
  /** ISO 4217, shared by every line. */
  currency: string;
  /** Where the order ships; the order's mail and its invoice show it, when the buyer gave one. */
  shippingAddress?: PostalAddress | undefined;
}

export interface OrderReceivedInput extends OrderMailInput {
  /** Until when the stock is held for the buyer. */
  expiresAt: Date;
  /** The order's page in the shop, where it is paid. */
  orderUrl: string;
}

export interface PaymentConfirmedInput extends OrderMailInput {
  /** The provider's payment; undefined for an order the shop confirmed without one (no payment to speak of). */
  paymentId: string | undefined;
  /** The invoice's date. */
  paidAt: Date;
}

export interface OrderExpiredInput extends OrderMailInput {
  expiredAt: Date;
}

export interface OrderCancelledInput extends OrderMailInput {
  cancelledAt: Date;
  reason?: string | undefined;
}

/** What an order can have become before a payment for it arrived, which must then be refunded. */
export type RefundableStatus = 'EXPIRED' | 'CANCELLED' | 'FAILED';

export interface RefundDueInput {
  orderId: string;
  paymentId: string;
  amountCents: number;
  currency: string;
  /** What the order had become when its payment arrived. */
  orderStatus: RefundableStatus;
}

export interface OrderFailedInput extends OrderMailInput {
  /** Why fulfilment was impossible, in words a customer can read. */
  reason: string;
  /** Whether a refund of the order's payment is now due; false when nothing was paid through the provider. */
  refundDue: boolean;
}

/** A line a vendor took before another line of the order failed: it stays ordered. */
export interface PlacedVendorLine {
  sku: string;
  vendor: string;
  vendorOrderId: string;
  quantity: number;
}

export interface FulfilmentFailedInput extends OrderMailInput {
  reason: string;
  /** The refund now due on the order's payment; undefined when no payment went through the provider. */
  refund?: { paymentId: string; amountCents: number } | undefined;
  vendorLines: readonly PlacedVendorLine[];
}

export interface LowStockInput {
  sku: string;
  title: string;
  available: number;
  threshold: number;
}

export interface DeadLetterInput {
  queue: string;
  jobName: string;
  jobId?: string | undefined;
  reason: string;
  attempts: number;
  failedAt: Date;
  /** The admin console's dead letters page. */
  consoleUrl: string;
}

export interface AbandonedCartInput {
  lines: readonly MailLine[];
  currency: string;
  /** Where the buyer finds the cart again. */
  cartUrl: string;
  /** The page where the owner turns these reminders off (its link carries their token). */
  stopUrl: string;
}

const SHOP = 'flashcart';
/** A dead letter's reason can carry a whole stack; the mail shows its start, the console the rest. */
const MAX_REASON_CHARS = 2_000;

const lineTotal = (line: MailLine) => line.quantity * line.unitPriceCents;
const totalOf = (lines: readonly MailLine[]) => lines.reduce((sum, line) => sum + lineTotal(line), 0);

/** Headers cannot hold line breaks; anything user-typed reaching a subject is flattened. */
const subjectLine = (text: string) => text.replace(/[\s\p{Cc}]+/gu, ' ').trim();

/** At most `max` UTF-16 units and an ellipsis, never cutting a character in two (an emoji is two units). */
function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  const cutsPair = /[\uD800-\uDBFF]/.test(text[max - 1]!);
  return `${text.slice(0, cutsPair ? max - 1 : max)}…`;
}

const STYLE = {
  body: 'margin:0;padding:0;background:#f4f4f6;font-family:Arial,Helvetica,sans-serif;color:#1a1a1a;',
  card: 'max-width:600px;width:100%;background:#ffffff;border-radius:8px;',
  brand: 'margin:0 0 16px;font-size:14px;font-weight:bold;color:#555555;letter-spacing:.05em;text-transform:uppercase;',
  h1: 'margin:0 0 16px;font-size:22px;line-height:1.3;',
  p: 'margin:0 0 12px;font-size:15px;line-height:1.5;',
  th: 'padding:8px;border-bottom:2px solid #dddddd;font-size:13px;color:#555555;',
  td: 'padding:8px;border-bottom:1px solid #eeeeee;font-size:14px;vertical-align:top;',
  total: 'padding:8px;font-size:15px;font-weight:bold;',
  sku: 'font-size:12px;color:#777777;',
  pre: 'margin:0 0 12px;padding:12px;background:#f4f4f6;font-size:12px;white-space:pre-wrap;word-break:break-word;',
  button: 'display:inline-block;padding:12px 24px;background:#1b5e20;color:#ffffff;text-decoration:none;border-radius:6px;font-weight:bold;',
  footer: 'margin:16px 0 0;font-size:12px;color:#777777;',
  footerLink: 'color:#777777;',
};

/** The page's frame; `footnote` goes under the automatic-mail line (a reminder's way to stop them). */
function layout(subject: string, heading: string, content: SafeHtml, footnote?: SafeHtml): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${subject}</title>
</head>
<body style="${STYLE.body}">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="padding:24px 12px;"><tr><td align="center">
<table role="presentation" cellpadding="0" cellspacing="0" style="${STYLE.card}"><tr><td style="padding:24px;">
<p style="${STYLE.brand}">${SHOP}</p>
<h1 style="${STYLE.h1}">${heading}</h1>
${content}
</td></tr></table>
<p style="${STYLE.footer}">${SHOP} sent this mail automatically.${footnote ? html` ${footnote}` : ''}</p>
</td></tr></table>
</body>
</html>
`.value;
}

const paragraph = (content: SafeHtml | string) => html`<p style="${STYLE.p}">${content}</p>`;

type Facts = readonly (readonly [label: string, value: string])[];

function factsTable(facts: Facts): SafeHtml {
  return html`<table role="presentation" cellpadding="0" cellspacing="0" style="margin:0 0 16px;">
${facts.map(([label, value]) => html`<tr><td style="${STYLE.td}">${label}</td><td style="${STYLE.td}"><strong>${value}</strong></td></tr>`)}
</table>`;
}

const factsText = (facts: Facts) => facts.map(([label, value]) => `${label}: ${value}`).join('\n');

/** The lines as an HTML table: item, quantity, unit price, line total, and the total. */
function linesTable(lines: readonly MailLine[], currency: string, locale: string): SafeHtml {
  const money = (cents: number) => formatMoney(cents, currency, locale);
  const rows = lines.map(
    (line) => html`<tr>
<td style="${STYLE.td}">${line.title}<br><span style="${STYLE.sku}">${line.sku}</span></td>
<td style="${STYLE.td}" align="right">${line.quantity}</td>
<td style="${STYLE.td}" align="right">${money(line.unitPriceCents)}</td>
<td style="${STYLE.td}" align="right">${money(lineTotal(line))}</td>
</tr>`,
  );
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:0 0 16px;border-collapse:collapse;">
<thead><tr>
<th style="${STYLE.th}" align="left">Item</th>
<th style="${STYLE.th}" align="right">Qty</th>
<th style="${STYLE.th}" align="right">Unit price</th>
<th style="${STYLE.th}" align="right">Total</th>
</tr></thead>
<tbody>${rows}</tbody>
<tfoot><tr><td style="${STYLE.total}" colspan="3" align="right">Total</td><td style="${STYLE.total}" align="right">${money(totalOf(lines))}</td></tr></tfoot>
</table>`;
}

/** The lines as text, one per line, then the total. */
function linesText(lines: readonly MailLine[], currency: string, locale: string): string {
  const money = (cents: number) => formatMoney(cents, currency, locale);
  const rows = lines.map((line) => `- ${line.title} (${line.sku}): ${line.quantity} × ${money(line.unitPriceCents)} = ${money(lineTotal(line))}`);
  return [...rows, `Total: ${money(totalOf(lines))}`].join('\n');
}

/**
 * A link to the shop as a button (HTML) and as "label: url" (text). Escaping keeps the URL inside its
 * attribute; only the scheme check keeps `javascript:` out of it.
 */
function linkTo(url: string, label: string): { html: SafeHtml; text: string } {
  const protocol = new URL(url).protocol;
  if (protocol !== 'https:' && protocol !== 'http:') throw new Error(`a link in mail must be http(s), not ${protocol}`);
  return { html: html`<p style="${STYLE.p}"><a href="${url}" style="${STYLE.button}">${label}</a></p>`, text: `${label}: ${url}` };
}

/** Where the order ships, a line each (HTML) or under its label (text); nothing for an order without an address. */
function shipTo(address: PostalAddress | undefined, locale: string): { html: SafeHtml | undefined; text: string | undefined } {
  if (!address) return { html: undefined, text: undefined };
  const lines = addressLines(address, locale);
  return {
    html: paragraph(html`<strong>Shipping to</strong>${lines.map((line) => html`<br>${line}`)}`),
    text: `Shipping to:\n${lines.join('\n')}`,
  };
}

const textMail = (...blocks: (string | undefined | false)[]) => `${blocks.filter((block) => block).join('\n\n')}\n\n-- \n${SHOP}\n`;

export function orderReceived(input: OrderReceivedInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Order ${input.orderId} received`;
  const expires = formatDateTime(input.expiresAt, format);
  const total = formatMoney(totalOf(input.lines), input.currency, format.locale);
  // An order that costs nothing has nothing to pay: the shop confirms it (API.md, Payments).
  const free = totalOf(input.lines) === 0;
  const link = linkTo(input.orderUrl, free ? 'See your order' : 'Pay for your order');
  const then = free ? 'There is nothing to pay: the shop confirms your order before then.' : 'Pay before then to keep them.';
  const address = shipTo(input.shippingAddress, format.locale);
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'We received your order',
      html`${paragraph(html`Order <strong>${input.orderId}</strong>, ${total}.`)}
${linesTable(input.lines, input.currency, format.locale)}
${address.html}
${paragraph(html`Your items are reserved until <strong>${expires}</strong>. ${then}`)}
${link.html}`,
    ),
    text: textMail(
      `We received your order ${input.orderId}, ${total}.`,
      linesText(input.lines, input.currency, format.locale),
      address.text,
      `Your items are reserved until ${expires}. ${then}`,
      link.text,
    ),
  };
}

export function paymentConfirmed(input: PaymentConfirmedInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const paid = input.paymentId !== undefined;
  const subject = paid ? `Payment confirmed: invoice for order ${input.orderId}` : `Order ${input.orderId} confirmed: invoice`;
  const date = formatDate(input.paidAt, format);
  const total = formatMoney(totalOf(input.lines), input.currency, format.locale);
  const facts: Facts = [
    ['Order', input.orderId],
    ['Invoice date', date],
    ['Payment', input.paymentId ?? 'arranged with the shop'],
    ['Currency', input.currency],
  ];
  const address = shipTo(input.shippingAddress, format.locale);
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      paid ? 'Thank you: your payment is confirmed' : 'Thank you: your order is confirmed',
      html`${paragraph(paid ? html`We received your payment of <strong>${total}</strong>. Here is your invoice.` : html`Your order of <strong>${total}</strong> is confirmed. Here is your invoice.`)}
${factsTable(facts)}
${linesTable(input.lines, input.currency, format.locale)}
${address.html}`,
    ),
    text: textMail(
      paid
        ? `Thank you: we received your payment of ${total}. Here is your invoice.`
        : `Thank you: your order of ${total} is confirmed. Here is your invoice.`,
      factsText(facts),
      linesText(input.lines, input.currency, format.locale),
      address.text,
    ),
  };
}

export function orderExpired(input: OrderExpiredInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Order ${input.orderId} expired`;
  const at = formatDateTime(input.expiredAt, format);
  const sentence = `Order ${input.orderId} was not paid in time: its reservation ended at ${at} and the items went back on sale. You have not been charged.`;
  return {
    subject: subjectLine(subject),
    html: layout(subject, 'Your order expired', html`${paragraph(sentence)}${linesTable(input.lines, input.currency, format.locale)}`),
    text: textMail(sentence, linesText(input.lines, input.currency, format.locale)),
  };
}

export function orderCancelled(input: OrderCancelledInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Order ${input.orderId} cancelled`;
  const sentence = `Order ${input.orderId} was cancelled on ${formatDateTime(input.cancelledAt, format)}. You have not been charged.`;
  const reason = input.reason ? `Reason: ${input.reason}` : undefined;
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'Your order was cancelled',
      html`${paragraph(sentence)}${reason ? paragraph(reason) : null}${linesTable(input.lines, input.currency, format.locale)}`,
    ),
    text: textMail(sentence, reason, linesText(input.lines, input.currency, format.locale)),
  };
}

/**
 * An order accepted (202) that could not be kept when it was stored (its stock could not be held
 * after all, or Postgres refused it): FAILED before any payment could start. The stored reason is
 * for the shop (it may name a database error), so the buyer is told in plain words.
 */
export function orderNotTaken(input: OrderMailInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Order ${input.orderId} could not be taken`;
  const sentences = [
    `We are sorry: we accepted order ${input.orderId} but could not hold its items for you after all, so it has been cancelled on our side.`,
    'You have not been charged and nothing is held for you. You are welcome to order again.',
  ];
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'We could not take your order',
      html`${sentences.map((sentence) => paragraph(sentence))}${linesTable(input.lines, input.currency, format.locale)}`,
    ),
    text: textMail(...sentences, linesText(input.lines, input.currency, format.locale)),
  };
}

export function refundDue(input: RefundDueInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Refund on its way for order ${input.orderId}`;
  const amount = formatMoney(input.amountCents, input.currency, format.locale);
  const why = {
    EXPIRED: 'after its reservation had expired',
    CANCELLED: 'after it had been cancelled',
    FAILED: 'after it had failed',
  }[input.orderStatus];
  const sentences = [
    `Your payment of ${amount} (payment ${input.paymentId}) for order ${input.orderId} arrived ${why}, so the order could not be completed.`,
    `We have recorded a refund of ${amount}; it goes back to the way you paid.`,
  ];
  return {
    subject: subjectLine(subject),
    html: layout(subject, 'Your payment will be refunded', html`${sentences.map((sentence) => paragraph(sentence))}`),
    text: textMail(...sentences),
  };
}

export function orderFailed(input: OrderFailedInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Order ${input.orderId} could not be fulfilled`;
  const total = formatMoney(totalOf(input.lines), input.currency, format.locale);
  const sentences = [
    `We are sorry: order ${input.orderId} could not be fulfilled.`,
    `Reason: ${input.reason}`,
    input.refundDue
      ? `We have recorded a refund of ${total}; it goes back to the way you paid.`
      : 'If you paid for it another way than online, we will contact you to give the money back.',
  ];
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'We could not fulfil your order',
      html`${sentences.map((sentence) => paragraph(sentence))}${linesTable(input.lines, input.currency, format.locale)}`,
    ),
    text: textMail(...sentences, linesText(input.lines, input.currency, format.locale)),
  };
}

/** To admins: an order no supplier could fill is FAILED; what is owed back and what stays ordered from vendors. */
export function fulfilmentFailed(input: FulfilmentFailedInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Fulfilment failed: order ${input.orderId}`;
  const money = (cents: number) => formatMoney(cents, input.currency, format.locale);
  const facts: Facts = [
    ['Order', input.orderId],
    ['Reason', input.reason],
    [
      'Refund',
      input.refund ? `${money(input.refund.amountCents)} due on payment ${input.refund.paymentId}` : 'none recorded: no payment through the provider',
    ],
  ];
  const sentences = [
    'No supplier could fill a line of this order, so it is FAILED and the customer has been told.',
    input.refund
      ? 'The payment is marked for refund (payments.refund_status = due).'
      : 'It was confirmed without a payment through the provider: settle any money taken for it by hand.',
    input.vendorLines.length > 0
      ? 'These lines were already ordered from vendors and stay ordered (vendors take no cancellations): settle them with each vendor by hand.'
      : 'No line of it was ordered from a vendor.',
  ];
  const vendorFacts: Facts = input.vendorLines.map((line) => [`${line.sku} × ${line.quantity}`, `${line.vendor}, order ${line.vendorOrderId}`]);
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'An order could not be fulfilled',
      html`${factsTable(facts)}${sentences.map((sentence) => paragraph(sentence))}${vendorFacts.length > 0 && factsTable(vendorFacts)}${linesTable(
        input.lines,
        input.currency,
        format.locale,
      )}`,
    ),
    text: textMail(
      factsText(facts),
      ...sentences,
      vendorFacts.length > 0 && factsText(vendorFacts),
      linesText(input.lines, input.currency, format.locale),
    ),
  };
}

export function lowStock(input: LowStockInput): RenderedMail {
  const subject = `Low stock: ${input.sku} (${input.available} left)`;
  const facts: Facts = [
    ['SKU', input.sku],
    ['Product', input.title],
    ['Available', String(input.available)],
    ['Threshold', String(input.threshold)],
  ];
  const sentence = `${input.title} (${input.sku}) is down to ${input.available} available unit(s), at or below its threshold of ${input.threshold}.`;
  return {
    subject: subjectLine(subject),
    html: layout(subject, 'Low stock', html`${paragraph(sentence)}${factsTable(facts)}`),
    text: textMail(sentence, factsText(facts)),
  };
}

export function deadLetter(input: DeadLetterInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Dead letter: ${input.queue}/${input.jobName} failed ${input.attempts} time(s)`;
  const reason = truncate(input.reason, MAX_REASON_CHARS);
  const facts: Facts = [
    ['Queue', input.queue],
    ['Job', input.jobName],
    ...(input.jobId ? ([['Job id', input.jobId]] as const) : []),
    ['Attempts', String(input.attempts)],
    ['Failed at', formatDateTime(input.failedAt, format)],
  ];
  const sentence = 'A job used up its attempts and is now a dead letter. Retry or discard it in the admin console, under Dead letters.';
  const link = linkTo(input.consoleUrl, 'Open the dead letters');
  return {
    subject: subjectLine(subject),
    html: layout(
      subject,
      'A job failed for good',
      html`${paragraph(sentence)}${factsTable(facts)}
${paragraph('Reason:')}<pre style="${STYLE.pre}">${reason}</pre>
${link.html}`,
    ),
    text: textMail(sentence, factsText(facts), `Reason:\n${reason}`, link.text),
  };
}

const ANOMALIES = {
  'unknown-payment': 'names a payment flashcart never started',
  'order-mismatch': 'names another order than the one its payment is for',
  'amount-mismatch': 'is for another amount or currency than its payment',
} as const;

/** An amount as a provider gave it: its currency may be no currency code at all. */
function amountGiven(amountCents: number, currency: string, format: FormatOptions): string {
  try {
    return formatMoney(amountCents, currency, format.locale);
  } catch {
    return `${amountCents} minor units of "${currency}"`;
  }
}

export function paymentAnomaly(input: OutboxPayloads['payment.anomaly'], format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = `Payment to check: ${input.paymentId} (${input.outcome})`;
  const facts: Facts = [
    ['Provider event', input.eventId],
    ['Payment', input.paymentId],
    ['Order given', input.orderRef],
    ['Amount given', amountGiven(input.amountCents, input.currency, format)],
  ];
  const sentence = `The payment provider says this payment succeeded, but the event ${ANOMALIES[input.outcome]}. It was recorded and changed no order: check it with the provider, and refund it if money was taken for nothing.`;
  return {
    subject: subjectLine(subject),
    html: layout(subject, 'A payment needs checking', html`${paragraph(sentence)}${factsTable(facts)}`),
    text: textMail(sentence, factsText(facts)),
  };
}

export function abandonedCart(input: AbandonedCartInput, format: FormatOptions = DEFAULT_FORMAT): RenderedMail {
  const subject = 'Your cart is waiting for you';
  const sentence = 'You left these items in your cart. They are not reserved yet: stock may run out.';
  const link = linkTo(input.cartUrl, 'Back to your cart');
  const stop = linkTo(input.stopUrl, 'Stop cart reminders');
  const why = 'You get this because you left items in your cart.';
  return {
    subject,
    html: layout(
      subject,
      'Still thinking it over?',
      html`${paragraph(sentence)}${linesTable(input.lines, input.currency, format.locale)}
${link.html}`,
      html`${why} <a href="${input.stopUrl}" style="${STYLE.footerLink}">Stop cart reminders</a>`,
    ),
    text: textMail(sentence, linesText(input.lines, input.currency, format.locale), link.text, `${why} ${stop.text}`),
  };
}
