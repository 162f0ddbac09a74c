import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { useStore } from 'zustand';
import { ApiError, api, type Order, type ShippingAddress, unwrap } from '../api/client';
import { cartStore, loadCart, useCartView } from '../cart/cart';
import { CheckoutKey, keepKeyAfter } from '../checkout/checkout-key';
import { formatMoney } from '../lib/money';
import { ensureSession, useSession } from '../session/session-store';
import { Notice } from '../ui/common';

const COUNTRIES: [code: string, name: string][] = [
  ['AT', 'Austria'],
  ['BE', 'Belgium'],
  ['DE', 'Germany'],
  ['ES', 'Spain'],
  ['FI', 'Finland'],
  ['FR', 'France'],
  ['GB', 'United Kingdom'],
  ['IE', 'Ireland'],
  ['IT', 'Italy'],
  ['NL', 'Netherlands'],
  ['PT', 'Portugal'],
  ['US', 'United States'],
];

const checkoutKey = new CheckoutKey(sessionStorage);

interface SummaryLine {
  sku: string;
  title: string;
  quantity: number;
  lineTotalCents: number;
}

/** Places the order, then sends the buyer to the payment page; a failure to start the payment leaves them on the order page to retry. */
export async function startPayment(order: Pick<Order, 'id'>): Promise<string> {
  const { checkoutUrl } = await unwrap(api.POST('/api/orders/{id}/payment', { params: { path: { id: order.id } } }));
  return checkoutUrl;
}

/** The line an INSUFFICIENT_STOCK refusal names, with the units left of it; undefined for any other failure. */
function shortLine(error: unknown): { sku?: string; available?: number } | undefined {
  return error instanceof ApiError && error.code === 'INSUFFICIENT_STOCK' ? (error.details as { sku?: string; available?: number }) : undefined;
}

function refusalOf(error: unknown, lines: SummaryLine[], fromCart: boolean): string {
  if (!(error instanceof ApiError)) return 'The order could not be placed.';
  const short = shortLine(error);
  if (short) {
    const { sku, available } = short;
    const title = lines.find((line) => line.sku === sku)?.title ?? sku;
    const left = `Only ${available} of ${title} ${available === 1 ? 'is' : 'are'} left`;
    if (available) return fromCart ? `${left}: lower the quantity in your cart and try again.` : `${left}.`;
    return `${title} sold out while you were checking out.${fromCart ? ' Remove it from your cart and try again.' : ''}`;
  }
  if (error.code === 'IDEMPOTENCY_KEY_REUSED') return 'This checkout was already sent with other details: see your orders before trying again.';
  if (error.retryable) return `${error.message}. Nothing was charged; try again: the same checkout cannot order twice.`;
  return error.message;
}

export function CheckoutPage() {
  const params = new URLSearchParams(useSearch());
  const buySku = params.get('buy');
  const buyQuantity = Math.max(1, Math.trunc(Number(params.get('quantity') ?? 1)) || 1);
  const cart = useCartView();
  const user = useSession((state) => state.session?.user);
  // Without a session there is no cart to wait for.
  const cartKnown = useStore(cartStore, (state) => state.server !== null) || user === undefined;
  const [, navigate] = useLocation();
  const [error, setError] = useState<string>();
  /** A purchase of one product refused for want of stock: the units that are left, to order instead. */
  const [fewer, setFewer] = useState<number>();
  const [busy, setBusy] = useState(false);
  const errorRef = useRef<HTMLDivElement>(null);

  const buyProduct = useQuery({
    queryKey: ['product', buySku],
    queryFn: () => unwrap(api.GET('/api/products/{sku}', { params: { path: { sku: buySku! } } })),
    enabled: buySku !== null,
  });

  let lines: SummaryLine[];
  let currency: string;
  if (buySku) {
    const product = buyProduct.data;
    lines = product ? [{ sku: product.sku, title: product.title, quantity: buyQuantity, lineTotalCents: product.priceCents * buyQuantity }] : [];
    currency = product?.currency ?? 'EUR';
  } else {
    lines = cart.lines;
    currency = cart.currency;
  }
  const totalCents = lines.reduce((sum, line) => sum + line.lineTotalCents, 0);
  const blocked = !buySku && cart.problems.length > 0;

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const shippingAddress: ShippingAddress = {
      name: field('name'),
      line1: field('line1'),
      city: field('city'),
      postalCode: field('postalCode'),
      country: field('country'),
      ...(field('line2') ? { line2: field('line2') } : {}),
    };
    const body = {
      ...(buySku ? { items: [{ sku: buySku, quantity: buyQuantity }] } : { fromCart: true as const }),
      customerEmail: field('email'),
      shippingAddress,
    };
    setBusy(true);
    setError(undefined);
    setFewer(undefined);
    try {
      await ensureSession();
      const order = await unwrap(api.POST('/api/orders', { body, params: { header: { 'idempotency-key': checkoutKey.current() } } }));
      checkoutKey.finish();
      if (!buySku) void loadCart();
      let checkoutUrl: string;
      try {
        checkoutUrl = await startPayment(order);
      } catch {
        navigate(`/orders/${order.id}?payment=unavailable`);
        return;
      }
      window.location.assign(checkoutUrl);
    } catch (failure) {
      if (!(failure instanceof ApiError && keepKeyAfter(failure.status))) checkoutKey.finish();
      if (!buySku) void loadCart();
      setError(refusalOf(failure, lines, !buySku));
      const left = shortLine(failure)?.available;
      if (buySku && left) setFewer(left);
      setBusy(false);
      requestAnimationFrame(() => errorRef.current?.focus());
    }
  };

  // A disabled query stays pending: only a purchase of one product waits for it; a cart is known once the server sent it.
  const loaded = buySku ? !buyProduct.isPending : cartKnown;
  if (lines.length === 0 && loaded && !busy) {
    return (
      <>
        <h1>Checkout</h1>
        <p>
          Your cart is empty. <Link href="/">Find something you like</Link>.
        </p>
      </>
    );
  }

  return (
    <>
      <h1>Checkout</h1>
      <div className="two-col">
        <form className="card" onSubmit={submit} aria-describedby={error ? 'checkout-error' : undefined}>
          <div ref={errorRef} tabIndex={-1} id="checkout-error">
            {error && <Notice tone="bad">{error}</Notice>}
            {fewer !== undefined && buySku && (
              <p>
                <button
                  type="button"
                  className="secondary"
                  onClick={() => {
                    setError(undefined);
                    setFewer(undefined);
                    navigate(`/checkout?buy=${encodeURIComponent(buySku)}&quantity=${fewer}`);
                  }}
                >
                  Order {fewer} instead
                </button>
              </p>
            )}
          </div>
          <fieldset disabled={busy} style={{ border: 0, padding: 0, margin: 0 }}>
            <h2>Contact</h2>
            <div className="field">
              <label htmlFor="email">Email</label>
              <input id="email" name="email" type="email" required autoComplete="email" defaultValue={user?.email ?? ''} maxLength={254} />
            </div>
            <h2>Shipping</h2>
            <div className="form-grid">
              <div className="field">
                <label htmlFor="name">Full name</label>
                <input id="name" name="name" required autoComplete="name" maxLength={200} defaultValue={user?.name ?? ''} />
              </div>
              <div className="field">
                <label htmlFor="line1">Address</label>
                <input id="line1" name="line1" required autoComplete="address-line1" maxLength={200} />
              </div>
              <div className="field">
                <label htmlFor="line2">
                  Address line 2 <small>(optional)</small>
                </label>
                <input id="line2" name="line2" autoComplete="address-line2" maxLength={200} />
              </div>
              <div className="field">
                <label htmlFor="city">City</label>
                <input id="city" name="city" required autoComplete="address-level2" maxLength={100} />
              </div>
              <div className="field">
                <label htmlFor="postalCode">Postal code</label>
                <input id="postalCode" name="postalCode" required autoComplete="postal-code" maxLength={20} />
              </div>
              <div className="field">
                <label htmlFor="country">Country</label>
                <select id="country" name="country" required autoComplete="country" defaultValue="DE">
                  {COUNTRIES.map(([code, name]) => (
                    <option key={code} value={code}>
                      {name}
                    </option>
                  ))}
                </select>
              </div>
            </div>
            {blocked && <Notice tone="warn">An item in your cart sold out or ran short: open the cart to fix it.</Notice>}
            <button type="submit" disabled={busy || blocked}>
              {busy ? 'Placing your order…' : `Place order and pay ${formatMoney(totalCents, currency)}`}
            </button>
            <p className="muted">Your items are held for you while you pay.</p>
          </fieldset>
        </form>
        <section className="card" aria-labelledby="summary-title">
          <h2 id="summary-title">Order summary</h2>
          <table>
            <caption className="visually-hidden">Items to order</caption>
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
              {lines.map((line) => (
                <tr key={line.sku}>
                  <td>{line.title}</td>
                  <td className="num">{line.quantity}</td>
                  <td className="num">{formatMoney(line.lineTotalCents, currency)}</td>
                </tr>
              ))}
            </tbody>
            <tfoot>
              <tr>
                <th scope="row" colSpan={2}>
                  Total
                </th>
                <td className="num price">{formatMoney(totalCents, currency)}</td>
              </tr>
            </tfoot>
          </table>
        </section>
      </div>
    </>
  );
}
