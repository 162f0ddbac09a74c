import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useCallback, useRef, useState } from 'react';
import { Link, useSearch } from 'wouter';
import { ApiError, api, type Order, unwrap } from '../api/client';
import { failureText } from '../api/failure-text';
import { addToCart } from '../cart/cart';
import { formatDateTime, formatMoney } from '../lib/money';
import type { OrderUpdate } from '../realtime/events';
import { useRealtimeConnected, useRealtimeEvent } from '../realtime/socket';
import { useSession } from '../session/session-store';
import { ShippingAddress } from '../ui/address';
import { ConfirmButton, LoadError, Loading, Notice, StatusBadge } from '../ui/common';
import { useFocusAfterRender } from '../ui/focus';
import { usePageTitle } from '../ui/page-title';
import { useCartDrawer } from '../ui/ui-store';
import { startPayment } from './CheckoutPage';
import { statusText } from './order-status-text';
import { ReservationCountdown } from './ReservationCountdown';

/** Where an order that moved on stands, in a shopper's words: "This order …". */
const MOVED_ON: Record<Exclude<Order['status'], 'PENDING'>, string> = {
  CONFIRMED: 'has already been paid',
  FULFILLED: 'has already shipped',
  CANCELLED: 'is already cancelled',
  EXPIRED: 'has expired',
  FAILED: 'could not be fulfilled and is being refunded',
};

/**
 * Why paying or cancelling was refused, for the shopper: an INVALID_STATE answer's message is for
 * developers (the order's full id, "only a PENDING order can be paid"), so it is said from
 * `details` instead; any other failure is said as `failureText` says it, or `fallback` when it is
 * not an API error.
 */
export function orderActionRefusal(error: unknown, action: 'pay' | 'cancel', fallback: string): string {
  if (!(error instanceof ApiError)) return fallback;
  if (error.code !== 'INVALID_STATE') return failureText(error, fallback);
  const { status, expiresAt, totalCents } = error.details as { status?: string; expiresAt?: string; totalCents?: number };
  const done = action === 'pay' ? 'paid' : 'cancelled';
  if (action === 'pay' && totalCents === 0) return 'This order costs nothing, so there is nothing to pay.';
  if (action === 'pay' && status === 'PENDING' && expiresAt) return 'The time to pay for this order has run out, so it can no longer be paid.';
  if (action === 'cancel' && status === 'CANCELLED') return 'This order is already cancelled.';
  if (status && status in MOVED_ON) return `This order ${MOVED_ON[status as keyof typeof MOVED_ON]}, so it can no longer be ${done}.`;
  return `This order can no longer be ${done}.`;
}

/** How every order id is written (a UUID); anything else names no order, whoever asks. */
const ORDER_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Statuses an order still leaves: a paid order is yet to ship (or fail). */
const MOVING = new Set<Order['status']>(['PENDING', 'CONFIRMED']);

/** An order as a push says it now is: its status, and the push's history entry unless it holds it already. */
function withUpdate(order: Order, { status, at, actor, reason }: OrderUpdate): Order {
  const known = order.history.some((entry) => entry.status === status && Date.parse(entry.at) === Date.parse(at));
  return { ...order, status, history: known ? order.history : [...order.history, { status, at, actor, ...(reason ? { reason } : {}) }] };
}

/** Statuses that gave an order's units back (or refunded them): its items may be wanted again. */
const ENDED_UNSOLD = new Set<Order['status']>(['CANCELLED', 'EXPIRED', 'FAILED']);

/**
 * Puts an ended order's items back in the cart, each as much as it held: the cart was emptied when
 * the order was accepted, so a buyer whose payment was declined or who let the time run out would
 * otherwise fill it again line by line. A line the cart cannot take (sold out, withdrawn) is
 * refused as any add is; the outcome says how many came back, and why not the others (the cart's
 * own notice of a refusal goes once a later line is taken).
 */
function BuyAgain({ order }: { order: Order }) {
  const [busy, setBusy] = useState(false);
  const [outcome, setOutcome] = useState<{ back: number; refusals: string[] }>();
  const openCart = useCartDrawer((state) => state.setOpen);
  const putBack = async () => {
    setBusy(true);
    setOutcome(undefined);
    openCart(true);
    let back = 0;
    const refusals: string[] = [];
    // One after another: each add answers with the cart, and the next builds on it.
    for (const item of order.items) {
      const product = { sku: item.sku, title: item.title, priceCents: item.unitPriceCents, currency: order.currency, available: item.quantity };
      const added = await addToCart(product, item.quantity);
      if (added.done) back += 1;
      else refusals.push(added.refusal);
    }
    setOutcome({ back, refusals });
    setBusy(false);
  };
  const of = order.items.length;
  const said = !outcome
    ? undefined
    : outcome.back === of
      ? { tone: 'ok' as const, text: of === 1 ? 'The item is back in your cart.' : 'The items are back in your cart.' }
      : {
          tone: 'warn' as const,
          text: `${outcome.back === 0 ? 'None of these items could go back in your cart.' : `${outcome.back} of ${of} items are back in your cart.`} ${outcome.refusals.join(' ')}`,
        };
  return (
    <>
      <div className="chips">
        <button type="button" onClick={() => void putBack()} disabled={busy}>
          {busy ? 'Putting the items back…' : 'Put these items back in your cart'}
        </button>
      </div>
      <div aria-live="polite">{said && <Notice tone={said.tone}>{said.text}</Notice>}</div>
    </>
  );
}

/**
 * One order, its status live: `order:update` for it refetches it at once; without a live
 * connection an order that can still move is polled.
 */
export function OrderPage({ id }: { id: string }) {
  const queryClient = useQueryClient();
  const connected = useRealtimeConnected();
  const paymentProblem = new URLSearchParams(useSearch()).get('payment') === 'unavailable';
  const [actionError, setActionError] = useState<string>();
  const signedIn = useSession((state) => state.session?.user.role !== undefined && state.session.user.role !== 'guest');
  const signInHere = `/signin?next=${encodeURIComponent(`/orders/${id}`)}`;
  // Paying or cancelling takes away or disables the button that had the focus: it goes to the outcome.
  const statusHeading = useRef<HTMLHeadingElement>(null);
  const actionErrorRef = useRef<HTMLDivElement>(null);
  const focusAfterRender = useFocusAfterRender();

  // Not asked: the API would first ask a visitor without a session to sign in, for an order that cannot be.
  const possible = ORDER_ID.test(id);
  const order = useQuery({
    queryKey: ['order', id],
    queryFn: () => unwrap(api.GET('/api/orders/{id}', { params: { path: { id } } })),
    enabled: possible,
    refetchInterval: (query) => (query.state.data && MOVING.has(query.state.data.status) && !connected ? 3_000 : false),
  });

  const onUpdate = useCallback(
    (update: OrderUpdate) => {
      if (update.orderId !== id) return;
      // The change shows at once, its history entry too: the page's words depend on who made it (a
      // declined payment reads otherwise than a cancel), and read the generic text until the refetch.
      queryClient.setQueryData<Order>(['order', id], (current) => (current ? withUpdate(current, update) : current));
      void queryClient.invalidateQueries({ queryKey: ['order', id] });
      void queryClient.invalidateQueries({ queryKey: ['orders'] });
    },
    [id, queryClient],
  );
  useRealtimeEvent('order:update', onUpdate);

  /** Says why an action failed; one refused because the order moved on reads it again, to show where it stands. */
  const refused = (text: string, error: unknown) => {
    setActionError(text);
    focusAfterRender(() => actionErrorRef.current);
    if (error instanceof ApiError && error.code === 'INVALID_STATE') void queryClient.invalidateQueries({ queryKey: ['order', id] });
  };

  const pay = useMutation({
    mutationFn: () => startPayment({ id }),
    onSuccess: (checkoutUrl) => window.location.assign(checkoutUrl),
    onError: (error) => refused(orderActionRefusal(error, 'pay', 'The payment could not be started.'), error),
  });
  const cancel = useMutation({
    mutationFn: () => unwrap(api.POST('/api/orders/{id}/cancel', { params: { path: { id } }, body: {} })),
    onSuccess: (cancelled) => {
      queryClient.setQueryData(['order', id], cancelled);
      focusAfterRender(() => statusHeading.current);
    },
    onError: (error) => refused(orderActionRefusal(error, 'cancel', 'The order could not be cancelled.'), error),
  });

  // A 404, or a 400 for an id the check above let through and the API refused: not found either.
  const missing = !possible || (order.error instanceof ApiError && order.error.namesNothing);
  // No session, or one the API no longer takes (a link from the confirmation mail, opened on another device).
  const signInNeeded = order.error instanceof ApiError && order.error.status === 401;
  // What the heading says instead of the order's number, when it names none; the tab says the same
  // ("Order 1a2b3c4d" named an order that is not there too).
  const instead = missing ? 'Order not found' : signInNeeded ? 'Sign in to see this order' : undefined;
  usePageTitle(instead ?? `Order ${id.slice(0, 8)}`);
  /**
   * Every state of the page in one frame, its heading first: the focus a navigation gives the heading
   * as the page opens (while the order loads) stays on it when the order is found, or is not, or
   * fails to load. "Loading…" alone had no heading to focus, and the focus stayed on the link
   * clicked, which fell to <body> as that link went away.
   */
  const frame = (body: ReactNode) => (
    <>
      <h1>
        {instead ?? (
          <>
            Order <span className="muted">{(order.data?.id ?? id).slice(0, 8)}</span>
          </>
        )}
      </h1>
      {body}
    </>
  );
  if (missing) {
    return frame(
      <>
        <p>
          This order does not exist or is not yours. <Link href="/orders">Your orders</Link>
        </p>
        {!signedIn && (
          <p>
            Placed it with an account? <Link href={signInHere}>Sign in</Link> to see it.
          </p>
        )}
      </>,
    );
  }
  if (signInNeeded) {
    return frame(
      <p>
        An order is shown only to the account that placed it. <Link href={signInHere}>Sign in</Link> and the order opens.
      </p>,
    );
  }
  if (order.isPending) return frame(<Loading what="your order" />);
  if (order.error) return frame(<LoadError error={order.error} retry={() => void order.refetch()} />);
  const data = order.data;
  const status = statusText(data);
  return frame(
    <>
      <div className="two-col">
        <section className="card" aria-labelledby="status-title">
          <h2 id="status-title" ref={statusHeading} tabIndex={-1}>
            Status: <StatusBadge status={data.status} />
          </h2>
          <div aria-live="polite" data-testid="order-status" data-status={data.status}>
            <Notice tone={status.tone}>{status.text}</Notice>
          </div>
          {paymentProblem && data.status === 'PENDING' && <Notice tone="warn">The payment page could not be opened. Try again below.</Notice>}
          <div ref={actionErrorRef} tabIndex={-1}>
            {actionError && <Notice tone="bad">{actionError}</Notice>}
          </div>
          {data.status === 'PENDING' && (
            <>
              <ReservationCountdown expiresAt={data.expiresAt} />
              <div className="chips">
                {data.totalCents > 0 && (
                  <button type="button" onClick={() => pay.mutate()} disabled={pay.isPending}>
                    {pay.isPending ? 'Opening the payment page…' : `Pay ${formatMoney(data.totalCents, data.currency)}`}
                  </button>
                )}
                <ConfirmButton
                  question="Cancel this order?"
                  yes="Yes, cancel"
                  keep="Keep it"
                  onConfirm={() => cancel.mutate()}
                  disabled={cancel.isPending}
                >
                  Cancel order
                </ConfirmButton>
              </div>
            </>
          )}
          {ENDED_UNSOLD.has(data.status) && data.items.length > 0 && <BuyAgain order={data} />}
          <h3 style={{ marginTop: '1.5rem' }}>History</h3>
          <ol className="timeline">
            {data.history.map((entry) => (
              <li key={`${entry.status}-${entry.at}`}>
                <StatusBadge status={entry.status} /> {formatDateTime(entry.at)}
                {entry.reason ? <span className="muted"> — {entry.reason}</span> : null}
              </li>
            ))}
          </ol>
        </section>
        <section className="card" aria-labelledby="items-title">
          <h2 id="items-title">Items</h2>
          <table>
            <thead>
              <tr>
                <th scope="col">Item</th>
                <th scope="col" className="num">
                  Qty
                </th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {data.items.map((item) => (
                <tr key={item.sku}>
                  <td className="title">
                    {/* The way back to an item: to buy it again, after a declined payment too (its cart was ordered, and is empty). */}
                    <Link href={`/products/${encodeURIComponent(item.sku)}`}>{item.title}</Link>
                    <div className="muted">{formatMoney(item.unitPriceCents, data.currency)} each</div>
                  </td>
                  <td className="num">{item.quantity}</td>
                  <td className="num">{formatMoney(item.unitPriceCents * item.quantity, data.currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  Total
                </th>
                <td className="num price">{formatMoney(data.totalCents, data.currency)}</td>
              </tr>
            </tfoot>
          </table>
          {data.shippingAddress && (
            <>
              <h3>Ships to</h3>
              <ShippingAddress address={data.shippingAddress} />
            </>
          )}
          {data.customerEmail && <p className="muted">Confirmation to {data.customerEmail}</p>}
          <p className="muted">Placed {formatDateTime(data.createdAt)}</p>
        </section>
      </div>
      {!connected && data.status === 'PENDING' && <p className="muted">Live updates are reconnecting; the status refreshes every few seconds.</p>}
    </>,
  );
}
