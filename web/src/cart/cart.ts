import { useMemo } from 'react';
import { useStore } from 'zustand';
import { ApiError, api, type Cart, type Product, type Session, unwrap } from '../api/client';
import { failureText } from '../api/failure-text';
import { realtime } from '../realtime/socket';
import { ensureSession, useSession } from '../session/session-store';
import { type CartChange, type CartNotice, cartView, createCartStore } from './cart-store';

/** The one cart store of this tab, fed by HTTP answers and by `cart:update` / `stock:update`. */
export const cartStore = createCartStore();

export function useCartView() {
  const server = useStore(cartStore, (state) => state.server);
  const pending = useStore(cartStore, (state) => state.pending);
  const liveAvailable = useStore(cartStore, (state) => state.liveAvailable);
  return useMemo(() => cartView({ server, pending, liveAvailable, notices: [] }), [server, pending, liveAvailable]);
}

export function useCartNotices() {
  return useStore(cartStore, (state) => state.notices);
}

/** Why the server refused a cart change, in the shopper's words. */
export function refusalText(error: unknown, title?: string): string {
  if (error instanceof ApiError && error.code === 'INSUFFICIENT_STOCK') {
    const available = Number(error.details.available ?? 0);
    const what = title ?? String(error.details.sku ?? 'this item');
    return available > 0 ? `Only ${available} of ${what} left.` : `${what} is sold out.`;
  }
  return failureText(error, 'The cart could not be changed.');
}

const CAPPED_BECAUSE: Record<string, string> = {
  stock: 'that is all the stock left',
  lineLimit: 'the most one line can hold',
  cartFull: 'the cart is full',
  currency: 'it is sold in another currency than your cart',
  unavailable: 'it is no longer sold',
};

/**
 * Says what of the guest's cart did not come along at sign-in (`cartMerge` of the login's answer):
 * the lines the merge capped, or why nothing was merged. Returns whether there was anything to say.
 */
export function reportCartMerge(merge: Session['cartMerge']): boolean {
  if (!merge) return false;
  const said: string[] = [];
  if (merge.skipped) said.push(`The cart you filled as a guest could not come with you: ${merge.skipped}.`);
  for (const line of merge.lines) {
    if (!line.capped) continue;
    const title = merge.cart?.items.find((item) => item.sku === line.sku)?.title ?? line.sku;
    const why = CAPPED_BECAUSE[line.capped] ?? line.capped;
    said.push(
      line.quantity > 0
        ? `${title}: not all of it came with you, your cart now holds ${line.quantity} (${why}).`
        : `${title} was left out of your cart (${why}).`,
    );
  }
  for (const text of said) cartStore.getState().notify(text);
  return said.length > 0;
}

/** Reloads the cart from the server (after a change of shopper, or a reconnection that may have missed events). */
export async function loadCart(): Promise<void> {
  if (!useSession.getState().session) return;
  try {
    cartStore.getState().receive(await unwrap(api.GET('/api/cart')));
  } catch {
    // The cart stays as it was shown; the next change or reconnection tries again.
  }
}

/** How a cart change ended: done, or refused and why, in the shopper's words (the cart shows it too). */
export type CartChangeOutcome = { done: true } | { done: false; refusal: string };

async function change(cartChange: CartChange, send: () => Promise<Cart>, title?: string): Promise<CartChangeOutcome> {
  const store = cartStore.getState();
  const refused = (id: number, error: unknown): CartChangeOutcome => {
    const refusal = refusalText(error, title);
    store.refuse(id, refusal);
    return { done: false, refusal };
  };
  try {
    await ensureSession();
  } catch (error) {
    // No guest session could be made (network down, API busy): the change is refused like any other, and says why.
    return refused(store.begin(cartChange), error);
  }
  const id = store.begin(cartChange);
  try {
    store.settle(id, await send());
    return { done: true };
  } catch (error) {
    return refused(id, error);
  }
}

export function addToCart(
  product: Pick<Product, 'sku' | 'title' | 'priceCents' | 'currency' | 'available'>,
  quantity = 1,
): Promise<CartChangeOutcome> {
  const { sku, title, priceCents, currency, available } = product;
  return change(
    { kind: 'add', sku, quantity, title, unitPriceCents: priceCents, currency, available },
    () => unwrap(api.POST('/api/cart/items', { body: { sku, quantity } })),
    title,
  );
}

export function setQuantity(sku: string, quantity: number, title?: string): Promise<CartChangeOutcome> {
  if (quantity <= 0) return removeFromCart(sku, title);
  return change(
    { kind: 'set', sku, quantity },
    () => unwrap(api.PUT('/api/cart/items/{sku}', { params: { path: { sku } }, body: { quantity } })),
    title,
  );
}

export function removeFromCart(sku: string, title?: string): Promise<CartChangeOutcome> {
  return change({ kind: 'remove', sku }, () => unwrap(api.DELETE('/api/cart/items/{sku}', { params: { path: { sku } } })), title);
}

export function clearCart(): Promise<CartChangeOutcome> {
  return change({ kind: 'clear' }, () => unwrap(api.DELETE('/api/cart')));
}

const PRICE_NOTICES_KEY = 'flashcart.priceNotices';

/**
 * The price notices shown to `userId`, kept in localStorage: they stay until dismissed or the
 * shopper's next change, and a reload (or another tab of the same shopper) is neither.
 */
function keepPriceNotices(userId: string | undefined, notices: CartNotice[]): void {
  const prices = notices.flatMap(({ text, priceOf }) => (priceOf === undefined ? [] : [{ text, priceOf }]));
  try {
    if (userId === undefined || prices.length === 0) localStorage.removeItem(PRICE_NOTICES_KEY);
    else localStorage.setItem(PRICE_NOTICES_KEY, JSON.stringify({ userId, prices }));
  } catch {
    // Storage full or refused: the notices are still shown in this tab.
  }
}

/** The price notices kept for `userId` by keepPriceNotices, shown again. */
function restorePriceNotices(userId: string | undefined): void {
  try {
    const kept = JSON.parse(localStorage.getItem(PRICE_NOTICES_KEY) ?? 'null') as { userId?: unknown; prices?: unknown } | null;
    if (!kept || kept.userId !== userId || !Array.isArray(kept.prices)) return;
    for (const { text, priceOf } of kept.prices as { text?: unknown; priceOf?: unknown }[]) {
      if (typeof text === 'string' && typeof priceOf === 'string') cartStore.getState().notify(text, priceOf);
    }
  } catch {
    // Unreadable: nothing to show again.
  }
}

let started = false;

/** Wires the store to the session and the live connection, once per tab. */
export function startCartSync(): void {
  if (started) return;
  started = true;
  const { receive, stockUpdate, reset } = cartStore.getState();
  realtime.on('cart:update', receive);
  realtime.on('stock:update', ({ sku, available }) => stockUpdate(sku, available));
  realtime.onReconnect(() => void loadCart());

  restorePriceNotices(useSession.getState().session?.user.id);
  cartStore.subscribe((state, previous) => {
    if (state.notices !== previous.notices) keepPriceNotices(useSession.getState().session?.user.id, state.notices);
  });

  let token = useSession.getState().session?.token;
  useSession.subscribe(({ session }) => {
    if (session?.token === token) return;
    token = session?.token;
    reset();
    void loadCart();
  });
  void loadCart();

  // Every SKU in the cart is watched, so a line that sells out says so while it sits there.
  const watches = new Map<string, () => void>();
  cartStore.subscribe((state) => {
    const skus = new Set(cartView(state).lines.map((line) => line.sku));
    for (const [sku, unwatch] of watches) {
      if (!skus.has(sku)) {
        unwatch();
        watches.delete(sku);
      }
    }
    for (const sku of skus) if (!watches.has(sku)) watches.set(sku, realtime.watchProduct(sku));
  });
}
