import { useQuery } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Link, useLocation, useSearch } from 'wouter';
import { useStore } from 'zustand';
import { countryName } from '../../../src/lib/countries.js';
import { postalCodeExample, postalCodeProblem, usesPostalCodes } from '../../../src/lib/postal-codes.js';
import { ApiError, api, type Order, type ShippingAddress, unwrap } from '../api/client';
import { failureText } from '../api/failure-text';
import { complaintsAt, fieldAt, validationIssues } from '../api/validation';
import { cartStore, loadCart, useCartView } from '../cart/cart';
import { isLineQuantity, nearestLineQuantity, QUANTITY_RULE } from '../cart/quantity';
import { CheckoutKey, keepKeyAfter } from '../checkout/checkout-key';
import { countries } from '../lib/countries';
import { formatMoney } from '../lib/money';
import { ensureSession, useSession } from '../session/session-store';
import { LoadError, Notice } from '../ui/common';
import { useFocusAfterRender } from '../ui/focus';
import { usePageTitle } from '../ui/page-title';
import { useCartDrawer } from '../ui/ui-store';

/** Every country, by name: a shipping address may name any (the API checks it). Made on the first checkout, not as the shop loads. */
let countryList: ReturnType<typeof countries> | undefined;
const allCountries = () => (countryList ??= countries());

const checkoutKey = new CheckoutKey(sessionStorage);

/**
 * The form's fields, by the JSON pointer of what each fills in the order: the server's refusals name
 * those. In the form's order: the first refused is the one given the focus.
 */
const FIELDS: Record<string, { name: string; label: string; required: boolean }> = {
  '/customerEmail': { name: 'email', label: 'Email', required: true },
  '/shippingAddress/country': { name: 'country', label: 'Country', required: true },
  '/shippingAddress/name': { name: 'name', label: 'Full name', required: true },
  '/shippingAddress/line1': { name: 'line1', label: 'Address', required: true },
  '/shippingAddress/line2': { name: 'line2', label: 'Address line 2', required: false },
  '/shippingAddress/city': { name: 'city', label: 'City', required: true },
  '/shippingAddress/region': { name: 'region', label: 'State, province or region', required: false },
  // Required or not by the country, and checked against its format: see submit.
  '/shippingAddress/postalCode': { name: 'postalCode', label: 'Postal code', required: false },
};

/** What a refusal may name besides the form's fields: the lines, which come from the cart or the link. */
const LABELS: Record<string, string> = {
  ...Object.fromEntries(Object.entries(FIELDS).map(([path, field]) => [path, field.label])),
  '/items': 'Quantity',
  '/fromCart': 'Your cart',
};

/** Messages by field name, for the fields that need a change before the order can go. */
type FieldProblems = Record<string, string>;

/**
 * A submit refused for what the form holds: each complaint with the name of the field it is about
 * (none for what is not a field of the form: the lines, the order as a whole), and how the summary
 * says those still open. The summary follows the fields: one the shopper changes is no longer marked
 * (see the form's onInput), nor said in the summary, which goes once none is left.
 */
interface FieldsRefused {
  complaints: { field?: string | undefined; text: string }[];
  summary: (texts: string[]) => string;
}

/** The required fields left blank: the browser's `required` lets spaces through, and they are trimmed away. */
function blankFields(field: (name: string) => string): FieldProblems {
  const blank: FieldProblems = {};
  for (const { name, label, required } of Object.values(FIELDS)) if (required && field(name) === '') blank[name] = `${label} is empty.`;
  return blank;
}

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

/** Whether the order is still PENDING; true when that cannot be read (better the same order again than a second one). */
async function stillUnpaid(orderId: string): Promise<boolean> {
  try {
    return (await unwrap(api.GET('/api/orders/{id}', { params: { path: { id: orderId } } }))).status === 'PENDING';
  } catch {
    return true;
  }
}

/**
 * Whether the cart was refused because another request (another tab, another device) is ordering
 * it (409), or has just ordered or emptied it (400: the cart this page showed lines of is empty).
 */
const orderedElsewhere = (error: unknown) =>
  error instanceof ApiError &&
  (error.code === 'INVALID_STATE' || error.code === 'VALIDATION_FAILED') &&
  (error.details as { fromCart?: unknown }).fromCart === true;

const ORDERED_ELSEWHERE = 'This cart is being ordered in another tab or on another device.';

/** The line an INSUFFICIENT_STOCK refusal names, with the units left of it; undefined for any other failure. */
function shortLine(error: unknown): { sku?: string; available?: number } | undefined {
  return error instanceof ApiError && error.code === 'INSUFFICIENT_STOCK' ? (error.details as { sku?: string; available?: number }) : undefined;
}

const NOT_PLACED = 'The order could not be placed.';

function refusalOf(error: unknown, lines: SummaryLine[], fromCart: boolean): string {
  if (!(error instanceof ApiError)) return NOT_PLACED;
  const short = shortLine(error);
  if (short) {
    const { sku, available } = short;
    const title = lines.find((line) => line.sku === sku)?.title ?? sku;
    const left = `Only ${available} of ${title} ${available === 1 ? 'is' : 'are'} left`;
    if (available) return fromCart ? `${left}: lower the quantity in your cart and try again.` : `${left}.`;
    return `${title} sold out while you were checking out.${fromCart ? ' Remove it from your cart and try again.' : ''}`;
  }
  if (orderedElsewhere(error)) return `${ORDERED_ELSEWHERE} See your orders: it is there once placed.`;
  if (error.code === 'IDEMPOTENCY_KEY_REUSED') return 'This checkout was already sent with other details: see your orders before trying again.';
  const said = failureText(error, NOT_PLACED);
  return error.retryable ? `${said} Nothing was charged, and trying again cannot order twice.` : said;
}

export function CheckoutPage() {
  const params = new URLSearchParams(useSearch());
  const buySku = params.get('buy');
  // A link (Buy now, or one typed or shared) says how many; a line holds no fewer than 1 and no more than the API takes.
  const askedQuantity = params.get('quantity');
  const buyQuantity = askedQuantity === null ? 1 : Number(askedQuantity);
  const cart = useCartView();
  const user = useSession((state) => state.session?.user);
  // Without a session there is no cart to wait for.
  const cartKnown = useStore(cartStore, (state) => state.server !== null) || user === undefined;
  const [, navigate] = useLocation();
  /** Why the last submit was refused, when that is not what the fields hold (sold out, ordered elsewhere, the network). */
  const [error, setError] = useState<string>();
  const [refused, setRefused] = useState<FieldsRefused>();
  const [problems, setProblems] = useState<FieldProblems>({});
  /** A purchase of one product refused for want of stock: the units that are left, to order instead. */
  const [fewer, setFewer] = useState<number>();
  const [busy, setBusy] = useState(false);
  /** The country chosen: whether a postal code is asked for, and how one is written there. */
  const [country, setCountry] = useState('DE');
  /** The cart was refused as another tab's or device's order of it (or as emptied there): once empty, say so rather than only "empty". */
  const [elsewhere, setElsewhere] = useState(false);
  const errorRef = useRef<HTMLDivElement>(null);
  const focusAfterRender = useFocusAfterRender();
  usePageTitle('Checkout');
  const openCart = useCartDrawer((state) => state.setOpen);

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

  /** Marks the fields at fault, says what is wrong, and takes the shopper to the first of them (or to the message). */
  const showProblems = (named: FieldProblems, refusal: FieldsRefused) => {
    setProblems(named);
    setRefused(refusal);
    setError(undefined);
    setFewer(undefined);
    const first = Object.values(FIELDS).find((field) => named[field.name]);
    focusAfterRender(() => (first ? document.getElementById(first.name) : errorRef.current));
  };

  const submit = async (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const field = (name: string) => String(form.get(name) ?? '').trim();
    const blank = blankFields(field);
    // The API's own rule (src/lib/postal-codes.ts): needed unless the country uses none, in its format where known.
    const postal = postalCodeProblem(field('country'), field('postalCode'), countryName(field('country')));
    if (postal) blank.postalCode = `Postal code: ${postal}.`;
    if (Object.keys(blank).length > 0) {
      showProblems(blank, {
        complaints: Object.entries(blank).map(([field, text]) => ({ field, text })),
        summary: (texts) => texts.join(' '),
      });
      return;
    }
    const shippingAddress: ShippingAddress = {
      name: field('name'),
      line1: field('line1'),
      city: field('city'),
      country: field('country'),
      ...(field('postalCode') ? { postalCode: field('postalCode') } : {}),
      ...(field('line2') ? { line2: field('line2') } : {}),
      ...(field('region') ? { region: field('region') } : {}),
    };
    const body = {
      ...(buySku ? { items: [{ sku: buySku, quantity: buyQuantity }] } : { fromCart: true as const }),
      customerEmail: field('email'),
      shippingAddress,
    };
    setBusy(true);
    setError(undefined);
    setRefused(undefined);
    setProblems({});
    setFewer(undefined);
    setElsewhere(false);
    try {
      await ensureSession();
      // A cart's checkout is the same purchase only for the same cart: one changed since (a line
      // added again after the order took the last ones) is a new one, not the order placed before.
      const request = JSON.stringify(buySku ? body : { ...body, cartVersion: cart.version });
      // The same checkout sent again (Back from the payment page) names the order it placed, unless
      // that order was paid or has ended meanwhile: then this is a new purchase.
      const placed = checkoutKey.placedOrder(request);
      if (placed !== undefined && !(await stillUnpaid(placed))) checkoutKey.finish();
      const order = await unwrap(api.POST('/api/orders', { body, params: { header: { 'idempotency-key': checkoutKey.current(request) } } }));
      checkoutKey.placed(order.id, request, Date.parse(order.expiresAt));
      if (!buySku) void loadCart();
      // Nothing to pay: the order's page says the shop confirms it.
      if (order.totalCents === 0) {
        navigate(`/orders/${order.id}`);
        return;
      }
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
      setBusy(false);
      const issues = validationIssues(failure);
      if (issues.length > 0) {
        const named: FieldProblems = {};
        for (const { path, message } of issues) {
          const name = fieldAt(path, FIELDS)?.name;
          if (name) named[name] ??= message;
        }
        showProblems(named, {
          complaints: complaintsAt(issues, LABELS).map(({ path, text }) => ({ field: FIELDS[path]?.name, text })),
          summary: (texts) => `Check ${texts.join('; ')}.`,
        });
        return;
      }
      setError(refusalOf(failure, lines, !buySku));
      setElsewhere(orderedElsewhere(failure));
      const left = shortLine(failure)?.available;
      if (buySku && left) setFewer(left);
      focusAfterRender(() => errorRef.current);
    }
  };

  /** What the summary says: a refusal, or the complaints about fields the shopper has not changed since. */
  const open = refused?.complaints.filter(({ field }) => field === undefined || problems[field] !== undefined) ?? [];
  const summary = error ?? (refused && open.length > 0 ? refused.summary(open.map(({ text }) => text)) : undefined);

  /** The attributes that tie a field to what is wrong with it. */
  const problemOf = (name: string) =>
    problems[name] ? { 'aria-invalid': true, 'aria-describedby': `${name}-problem` } : { 'aria-invalid': undefined, 'aria-describedby': undefined };
  const problemText = (name: string) =>
    problems[name] && (
      <p id={`${name}-problem`} className="field-problem">
        {problems[name]}
      </p>
    );

  if (buySku && !isLineQuantity(buyQuantity)) {
    const instead = nearestLineQuantity(buyQuantity);
    return (
      <>
        <h1>Checkout</h1>
        <Notice tone="bad">
          {QUANTITY_RULE}: this link asks for {askedQuantity || 'no number'} of one item, which cannot be ordered.
        </Notice>
        <p>
          <Link href={`/checkout?buy=${encodeURIComponent(buySku)}&quantity=${instead}`}>Order {instead.toLocaleString('en')} instead</Link> or{' '}
          <Link href={`/products/${encodeURIComponent(buySku)}`}>go back to the product</Link>.
        </p>
      </>
    );
  }

  // A link to buy a product the catalog does not have (never, or no longer: a shared link, a deleted product).
  if (buySku && buyProduct.error) {
    const gone = buyProduct.error instanceof ApiError && buyProduct.error.namesNothing;
    return (
      <>
        <h1>Checkout</h1>
        {gone ? (
          <Notice tone="warn">
            This product is not available: it is not, or no longer, in the shop. <Link href="/">Find something you like</Link>.
          </Notice>
        ) : (
          <LoadError error={buyProduct.error} retry={() => void buyProduct.refetch()} />
        )}
      </>
    );
  }

  // A link to buy a product that is sold out already (kept from before, or Buy now a moment too late):
  // the whole form was filled in before "sold out while you were checking out" said so.
  const buying = buyProduct.data;
  if (buySku && buying && buying.available <= 0 && !busy && error === undefined && refused === undefined) {
    return (
      <>
        <h1>Checkout</h1>
        <Notice tone="warn">
          {buying.title} is sold out. <Link href={`/products/${encodeURIComponent(buySku)}`}>See the product</Link> or{' '}
          <Link href="/">find something else you like</Link>.
        </Notice>
      </>
    );
  }

  // A disabled query stays pending: only a purchase of one product waits for it; a cart is known once the server sent it.
  const loaded = buySku ? !buyProduct.isPending : cartKnown;
  if (lines.length === 0 && loaded && !busy) {
    return (
      <>
        <h1>Checkout</h1>
        {elsewhere ? (
          <Notice tone="info">
            Your cart was emptied in another tab or on another device (an order placed there empties it). <Link href="/orders">See your orders</Link>.
          </Notice>
        ) : (
          <p>
            Your cart is empty. <Link href="/">Find something you like</Link>.
          </p>
        )}
      </>
    );
  }

  return (
    <>
      <h1>Checkout</h1>
      <div className="two-col">
        <form
          className="card checkout-form"
          onSubmit={submit}
          aria-describedby={summary ? 'checkout-error' : undefined}
          onInput={(event) => {
            // A field the shopper changes is no longer the one that was refused; nor is the postal
            // code once the country changes: it was judged by the other country's format.
            const { name } = event.target as HTMLInputElement;
            const changed = name === 'country' ? ['country', 'postalCode'] : [name];
            if (changed.some((field) => problems[field]))
              setProblems((current) => Object.fromEntries(Object.entries(current).filter(([field]) => !changed.includes(field))));
          }}
        >
          <div ref={errorRef} tabIndex={-1} id="checkout-error">
            {summary && <Notice tone="bad">{summary}</Notice>}
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
              <input
                id="email"
                name="email"
                type="email"
                required
                autoComplete="email"
                defaultValue={user?.email ?? ''}
                maxLength={254}
                {...problemOf('email')}
              />
              {problemText('email')}
            </div>
            <h2>Shipping</h2>
            <div className="form-grid">
              {/* First: the country decides how the address is written, and whether a postal code is asked. */}
              <div className="field">
                <label htmlFor="country">Country</label>
                <select
                  id="country"
                  name="country"
                  required
                  autoComplete="country"
                  value={country}
                  onChange={(event) => setCountry(event.target.value)}
                  {...problemOf('country')}
                >
                  {allCountries().map(({ code, name }) => (
                    <option key={code} value={code}>
                      {name}
                    </option>
                  ))}
                </select>
                {problemText('country')}
              </div>
              <div className="field">
                <label htmlFor="name">Full name</label>
                <input id="name" name="name" required autoComplete="name" maxLength={200} defaultValue={user?.name ?? ''} {...problemOf('name')} />
                {problemText('name')}
              </div>
              <div className="field">
                <label htmlFor="line1">Address</label>
                <input id="line1" name="line1" required autoComplete="address-line1" maxLength={200} {...problemOf('line1')} />
                {problemText('line1')}
              </div>
              <div className="field">
                <label htmlFor="line2">
                  Address line 2 <small>(optional)</small>
                </label>
                <input id="line2" name="line2" autoComplete="address-line2" maxLength={200} {...problemOf('line2')} />
                {problemText('line2')}
              </div>
              <div className="field">
                <label htmlFor="city">City</label>
                <input id="city" name="city" required autoComplete="address-level2" maxLength={100} {...problemOf('city')} />
                {problemText('city')}
              </div>
              <div className="field">
                <label htmlFor="region">
                  State, province or region <small>(optional)</small>
                </label>
                <input id="region" name="region" autoComplete="address-level1" maxLength={100} {...problemOf('region')} />
                {problemText('region')}
              </div>
              <div className="field">
                <label htmlFor="postalCode">Postal code {!usesPostalCodes(country) && <small>(none in {countryName(country)})</small>}</label>
                <input
                  id="postalCode"
                  name="postalCode"
                  required={usesPostalCodes(country)}
                  autoComplete="postal-code"
                  maxLength={20}
                  placeholder={postalCodeExample(country) ? `e.g. ${postalCodeExample(country)}` : undefined}
                  {...problemOf('postalCode')}
                />
                {problemText('postalCode')}
              </div>
            </div>
            {blocked && (
              <Notice tone="warn">
                An item in your cart sold out or ran short:{' '}
                <button type="button" className="link" onClick={() => openCart(true)}>
                  open the cart
                </button>{' '}
                to fix it.
              </Notice>
            )}
            <button type="submit" disabled={busy || blocked}>
              {busy ? 'Placing your order…' : totalCents === 0 ? 'Place order' : `Place order and pay ${formatMoney(totalCents, currency)}`}
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
                  <td className="title">{line.title}</td>
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
