import { formatMoney } from '../../modules/notifications/format.js';
import { html, SafeHtml } from '../../modules/notifications/html.js';
import type { SimulatedPayment } from './simulated-payments.js';

/**
 * The simulator's checkout page: one self-contained document (inline styles, no script, no external
 * asset), so it works offline and under a strict Content-Security-Policy. Native buttons inside
 * forms give keyboard use and focus for free; the outcome is announced in a status region.
 */

/** No script may run and forms may only post back here; inline styles are the one allowance. */
export const CHECKOUT_CSP = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

const STYLE = `
  body { font: 16px/1.5 system-ui, sans-serif; color: #1a1a1a; background: #f4f4f6; margin: 0; }
  main { max-width: 28rem; margin: 3rem auto; background: #fff; padding: 2rem; border-radius: 8px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.4rem; margin-top: 0; }
  dl { display: grid; grid-template-columns: auto 1fr; gap: .25rem 1rem; }
  dt { color: #555; }
  dd { margin: 0; font-weight: 600; overflow-wrap: anywhere; }
  .actions { display: flex; gap: 1rem; margin-top: 1.5rem; }
  button { font: inherit; padding: .6rem 1.4rem; border-radius: 6px; border: 2px solid transparent; cursor: pointer; }
  .pay { background: #1b5e20; color: #fff; }
  .decline { background: #fff; color: #b71c1c; border-color: #b71c1c; }
  button:focus-visible { outline: 3px solid #0b57d0; outline-offset: 3px; }
  [role=status] { padding: .75rem 1rem; border-radius: 6px; font-weight: 600; }
  .succeeded { background: #e8f5e9; color: #1b5e20; }
  .failed, .conflict { background: #ffebee; color: #b71c1c; }
  .note { color: #555; font-size: .9rem; }
  .back { display: inline-block; margin-top: 1rem; padding: .6rem 1.4rem; border-radius: 6px; background: #0b57d0; color: #fff; font-weight: 600; text-decoration: none; }
  .back:focus-visible { outline: 3px solid #1a1a1a; outline-offset: 3px; }
`;

/** How often a page whose webhook is still on its way loads itself again: no script, a meta refresh. */
const REFRESH_SECONDS = 2;

function page(title: string, content: SafeHtml, options: { refresh?: boolean } = {}): string {
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
${options.refresh ? html`<meta http-equiv="refresh" content="${REFRESH_SECONDS}">` : null}
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title}</title>
<style>${new SafeHtml(STYLE)}</style>
</head>
<body>
<main>
${content}
</main>
</body>
</html>
`.value;
}

function details(payment: SimulatedPayment): SafeHtml {
  return html`<dl>
  <dt>Amount</dt><dd>${formatMoney(payment.amountCents, payment.currency)}</dd>
  <dt>Order</dt><dd>${payment.orderId}</dd>
  ${payment.description ? html`<dt>Description</dt><dd>${payment.description}</dd>` : null}
  <dt>Payment</dt><dd>${payment.id}</dd>
</dl>`;
}

const OUTCOME_TEXT = { succeeded: 'Payment succeeded.', failed: 'Payment declined.' } as const;

/** A webhook's states while it is still being sent, or will be again: its page then reloads itself. */
const NOTIFYING: ReadonlySet<string | undefined> = new Set(['sending', 'retrying']);

/** Whether the shop has heard of the outcome yet: the webhook's progress, in words. */
function webhookNote(payment: SimulatedPayment): SafeHtml | null {
  const webhook = payment.webhook?.view();
  if (!webhook) return null;
  const progress = `webhook ${webhook.eventId}, ${webhook.attempts} attempt(s)`;
  if (webhook.state === 'delivered') return html`<p class="note">The shop was notified (${progress}).</p>`;
  const lastAnswer = webhook.lastStatus ? `, last answer ${webhook.lastStatus}` : '';
  const updates = NOTIFYING.has(webhook.state) ? ' This page updates itself until the shop has heard.' : '';
  return html`<p class="note">Notifying the shop: ${progress}, ${webhook.state}${lastAnswer}.${updates}</p>`;
}

/** The way back to the shop, once the buyer has decided, when the shop gave one. */
function backToShop(payment: SimulatedPayment): SafeHtml | null {
  return payment.returnUrl ? html`<p><a class="back" href="${payment.returnUrl}">Back to the shop</a></p>` : null;
}

/** The page for a payment: the two buttons while pending, the outcome (and the way back) once decided. */
export function checkoutPage(payment: SimulatedPayment, options: { conflict?: boolean } = {}): string {
  const amount = formatMoney(payment.amountCents, payment.currency);
  if (payment.status === 'pending') {
    return page(
      `Pay ${amount}`,
      html`<h1>Pay ${amount}</h1>
${details(payment)}
<p class="note">This is the flashcart payment simulator: no money moves.</p>
<div class="actions">
  <form method="post" action="/checkout/${payment.id}/pay">
    <button type="submit" class="pay">Pay ${amount}</button>
  </form>
  <form method="post" action="/checkout/${payment.id}/decline">
    <button type="submit" class="decline">Decline</button>
  </form>
</div>`,
    );
  }
  const outcome = options.conflict
    ? html`<p role="status" class="conflict">This payment was already ${payment.status === 'succeeded' ? 'paid' : 'declined'}; it cannot be changed.</p>`
    : html`<p role="status" class="${payment.status}">${OUTCOME_TEXT[payment.status]}</p>`;
  return page(
    payment.status === 'succeeded' ? 'Payment succeeded' : 'Payment declined',
    html`<h1>${payment.status === 'succeeded' ? 'Payment succeeded' : 'Payment declined'}</h1>
${outcome}
${details(payment)}
${webhookNote(payment)}
${backToShop(payment)}`,
    { refresh: NOTIFYING.has(payment.webhook?.view().state) },
  );
}

/** A page for a payment id the simulator does not know. */
export function unknownPaymentPage(): string {
  return page('Payment not found', html`<h1>Payment not found</h1><p>This checkout link does not lead to a payment.</p>`);
}
