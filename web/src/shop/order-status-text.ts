import type { Order } from '../api/client';
import { formatMoney } from '../lib/money';
import type { NoticeTone } from '../ui/common';

/** What became of the money of an order that ended unshipped, from its payment (if any). */
function moneyAfterEnd(payment: Order['payment']): string {
  if (payment?.status === 'succeeded') {
    const paid = formatMoney(payment.amountCents, payment.currency);
    return payment.refund === 'refunded' ? `Your payment of ${paid} has been refunded.` : `Your payment of ${paid} is being refunded.`;
  }
  if (payment?.status === 'pending') return 'Nothing was charged; should a payment you started still go through, it will be refunded.';
  return 'Nothing was charged.';
}

/**
 * Where the order stands, in a shopper's words. What is said of the money comes from the order's
 * payment: a payment can arrive after its order was cancelled or expired (it is then refunded), and
 * the shop can confirm an order without one.
 */
export function statusText({
  status,
  payment,
  totalCents,
  history = [],
}: Pick<Order, 'status' | 'payment'> & { totalCents?: number; history?: Pick<Order['history'][number], 'status' | 'actor'>[] }): {
  tone: NoticeTone;
  text: string;
} {
  const money = moneyAfterEnd(payment);
  switch (status) {
    case 'PENDING':
      // An order that costs nothing is not paid: the shop confirms it (API.md, Payments).
      return totalCents === 0
        ? { tone: 'info', text: 'There is nothing to pay: the shop confirms your order. Your items are held for you until then.' }
        : { tone: 'info', text: 'Waiting for your payment. Your items are held for you until the time runs out.' };
    case 'CONFIRMED':
      return { tone: 'ok', text: payment?.status === 'succeeded' ? 'Payment received: your order is confirmed.' : 'Your order is confirmed.' };
    case 'FULFILLED':
      return { tone: 'ok', text: 'Your order has shipped.' };
    case 'CANCELLED':
      // Cancelled by the provider's answer: the buyer declined, or the payment failed; not the buyer's own cancel.
      if (history.findLast((entry) => entry.status === 'CANCELLED')?.actor === 'payment')
        return { tone: 'bad', text: `Your payment did not go through, so this order was cancelled and its items went back on sale. ${money}` };
      return { tone: 'warn', text: `This order was cancelled; its items went back on sale. ${money}` };
    case 'EXPIRED':
      return { tone: 'bad', text: `Your reservation expired before the payment arrived: the items went back on sale. ${money}` };
    case 'FAILED':
      return { tone: 'bad', text: `We could not fulfil this order. ${money}` };
  }
}
