import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Link } from 'wouter';
import { ApiError, api, type Order, unwrap } from '../api/client';
import { formatDateTime, formatMoney } from '../lib/money';
import { ShippingAddress } from '../ui/address';
import { LoadError, Loading, StatusBadge } from '../ui/common';
import { type OutcomeTone, useOutcomeNotice } from '../ui/outcome';
import { useConsoleTitle } from '../ui/page-title';
import { OrderTransitions } from './OrderTransitions';

/** Statuses an order still leaves: its page is read again now and then while it is in one. */
const MOVING = new Set<Order['status']>(['PENDING', 'CONFIRMED']);

/** The order's payment through the provider, in the console's words: what came in and what goes back. */
function paymentText(payment: Order['payment']): string {
  if (!payment) return 'none through the provider';
  const amount = formatMoney(payment.amountCents, payment.currency);
  const state = { pending: 'started, not completed', succeeded: 'received', failed: 'failed' }[payment.status];
  const refund = payment.refund === 'due' ? '; refund due' : payment.refund === 'refunded' ? '; refunded' : '';
  return `${amount}, ${state}${refund}`;
}

/**
 * One order as an admin sees it (`GET /api/orders/{id}`, which an admin may read for any order):
 * who placed it, what it holds, every change of its status and who made it, and the changes an
 * admin may still ask for.
 */
export function OrderAdminPage({ id }: { id: string }) {
  // The new status offers other buttons than the one pressed, which had the focus.
  const { show, notice } = useOutcomeNotice();
  // Under ['admin', 'orders']: a transition, here or in the list, reads this page again too.
  const order = useQuery({
    queryKey: ['admin', 'orders', id],
    queryFn: () => unwrap(api.GET('/api/orders/{id}', { params: { path: { id } } })),
    refetchInterval: (query) => (query.state.data && MOVING.has(query.state.data.status) ? 10_000 : false),
  });

  const missing = order.error instanceof ApiError && order.error.namesNothing;
  const short = (order.data?.id ?? id).slice(0, 8);
  useConsoleTitle(missing ? 'No such order' : `Order ${short}`);
  // One frame for every state of the page, its heading in the same place: the focus a navigation gives
  // it as the page opens (while the order loads) stays on it when the order is found, or is not, or
  // fails to load. A view with a heading of its own took the focus away to <body>.
  return (
    <>
      <p>
        <Link href="/orders">← All orders</Link>
      </p>
      <h1>
        {missing ? (
          'No such order'
        ) : (
          <>
            Order <code>{short}</code>
          </>
        )}
      </h1>
      {order.isPending ? (
        <Loading what="the order" />
      ) : missing ? (
        // 400: an address that cannot name an order at all (not a UUID); to the admin, no such order either.
        <p>There is no order {id}.</p>
      ) : order.error ? (
        <LoadError error={order.error} retry={() => void order.refetch()} />
      ) : (
        <OrderDetails order={order.data} notice={notice} onDone={show} />
      )}
    </>
  );
}

/** What an admin sees of an order found: its status and the changes still possible, its facts, lines and history. */
function OrderDetails({ order: data, notice, onDone }: { order: Order; notice: ReactNode; onDone: (message: string, tone: OutcomeTone) => void }) {
  return (
    <>
      {notice}
      <div className="two-col">
        <section className="card" aria-labelledby="order-status-title">
          <h2 id="order-status-title">
            Status: <StatusBadge status={data.status} />
          </h2>
          <OrderTransitions order={data} onDone={onDone} />
          <dl className="facts">
            <dt>Order id</dt>
            <dd>
              <code>{data.id}</code>
            </dd>
            <dt>Customer</dt>
            <dd data-testid="customer">{data.customerEmail ?? <span className="muted">guest, no email given</span>}</dd>
            <dt>Placed</dt>
            <dd>{formatDateTime(data.createdAt)}</dd>
            {data.status === 'PENDING' && (
              <>
                <dt>Expires if unpaid</dt>
                <dd>{formatDateTime(data.expiresAt)}</dd>
              </>
            )}
            <dt>Payment</dt>
            <dd data-testid="payment">{paymentText(data.payment)}</dd>
            <dt>Ship to</dt>
            <dd data-testid="shipping-address">
              {data.shippingAddress ? <ShippingAddress address={data.shippingAddress} /> : <span className="muted">none given</span>}
            </dd>
          </dl>
        </section>
        <section className="card" aria-labelledby="order-lines-title">
          <h2 id="order-lines-title">Lines</h2>
          <div className="table-wrap">
            <table aria-labelledby="order-lines-title">
              <thead>
                <tr>
                  <th scope="col">SKU</th>
                  <th scope="col">Title</th>
                  <th scope="col" className="num">
                    Qty
                  </th>
                  <th scope="col" className="num">
                    Unit price
                  </th>
                  <th scope="col" className="num">
                    Line total
                  </th>
                </tr>
              </thead>
              <tbody>
                {data.items.map((item) => (
                  <tr key={item.sku} data-sku={item.sku}>
                    <td className="sku">
                      <code>{item.sku}</code>
                    </td>
                    <td className="title">{item.title || <span className="muted">—</span>}</td>
                    <td className="num">{item.quantity}</td>
                    <td className="num">{formatMoney(item.unitPriceCents, data.currency)}</td>
                    <td className="num">{formatMoney(item.unitPriceCents * item.quantity, data.currency)}</td>
                  </tr>
                ))}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colSpan={4}>
                    Total ({data.currency})
                  </th>
                  <td className="num price" data-testid="order-total">
                    {formatMoney(data.totalCents, data.currency)}
                  </td>
                </tr>
              </tfoot>
            </table>
          </div>
        </section>
      </div>
      <section className="card order-history" aria-labelledby="order-history-title">
        <h2 id="order-history-title">History</h2>
        <div className="table-wrap">
          <table aria-labelledby="order-history-title">
            <thead>
              <tr>
                <th scope="col">Status</th>
                <th scope="col">At</th>
                <th scope="col">By</th>
                <th scope="col">Reason</th>
              </tr>
            </thead>
            <tbody>
              {data.history.map((entry) => (
                <tr key={`${entry.status}-${entry.at}`}>
                  <td>
                    <StatusBadge status={entry.status} />
                  </td>
                  <td>{formatDateTime(entry.at)}</td>
                  <td>{entry.actor}</td>
                  <td className="reason">{entry.reason ?? <span className="muted">—</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </>
  );
}
