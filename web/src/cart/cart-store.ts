import { createStore } from 'zustand/vanilla';
import type { Cart, CartLine } from '../api/client';
import { formatMoney } from '../lib/money';

/**
 * The cart as this tab shows it: the newest cart the server sent (over HTTP or `cart:update`),
 * with this tab's changes that the server has not answered yet laid on top.
 *
 * - A server cart replaces the one held when its `version` is higher, whichever channel brings it
 *   first; an older one arriving late changes nothing. One at the same version replaces it when it
 *   says something else: stock (a line sold out or back) is not part of the version, and the server
 *   pushes such a change at the version the cart already has.
 * - A change shows at once as the quantity it aims at (adding 2 to 1 shows 3), so laying it over a
 *   server cart that already includes it shows the same thing, not the change twice.
 * - When the server answers, the change is dropped: accepted, its cart (a higher version) shows
 *   it; refused, the view falls back to the server's cart and says why. A later change that is
 *   accepted takes the refusals of earlier ones away; a notice already shown is not shown twice.
 * - `stock:update` keeps each line's availability current, so a line that sells out while it sits
 *   in the cart says so before checkout.
 * - A server cart whose line of a SKU has another unit price than the cart it replaces (in the
 *   same currency) says so: the catalog repriced it while it sat in the cart. The notice stays
 *   until dismissed or the shopper's next change; a later change of that price replaces it.
 */

export type CartChange =
  | { kind: 'add'; sku: string; quantity: number; title: string; unitPriceCents: number; currency: string; available: number }
  | { kind: 'set'; sku: string; quantity: number }
  | { kind: 'remove'; sku: string }
  | { kind: 'clear' };

/** A change as it is laid over the server cart: the quantity it aims at, for one SKU or all. */
type Target =
  | { kind: 'quantity'; sku: string; quantity: number; newLine?: { line: Omit<CartLine, 'quantity' | 'lineTotalCents'>; currency: string } }
  | { kind: 'clear' };

interface PendingChange {
  id: number;
  target: Target;
}

export interface CartNotice {
  id: number;
  text: string;
  /** The change whose refusal this notice says; a change begun after it that succeeds makes it old news. */
  refusalOf?: number;
  /** The SKU whose new price this notice says; the shopper's next change makes it old news. */
  priceOf?: string;
}

export interface CartState {
  server: Cart | null;
  pending: PendingChange[];
  /** Units available per SKU, from `stock:update`, fresher than the lines' own `available`. */
  liveAvailable: Record<string, number>;
  notices: CartNotice[];
}

export type LineProblem = 'sold-out' | 'short';

export interface CartViewLine extends CartLine {
  /** Shown before the server has confirmed it. */
  pending: boolean;
  problem: LineProblem | undefined;
}

export interface CartView {
  lines: CartViewLine[];
  totalCents: number;
  currency: string;
  /** Units in the cart. */
  count: number;
  /** The server version this view builds on; 0 before any. */
  version: number;
  /** Lines that cannot be ordered as they are. */
  problems: CartViewLine[];
  /** What the server took out of the cart without the shopper asking (a product withdrawn), in its words. */
  removed: string[];
}

export interface CartActions {
  /** A cart from the server; kept only if newer than the one held. */
  receive(cart: Cart): void;
  /** Starts an optimistic change; returns its id for settle or refuse. */
  begin(change: CartChange): number;
  /** The server accepted change `id` and answered with `cart`. */
  settle(id: number, cart: Cart): void;
  /** The server refused change `id`: it is rolled back and `reason` is shown. */
  refuse(id: number, reason: string): void;
  stockUpdate(sku: string, available: number): void;
  /**
   * Shows `text` among the cart's notices (a refusal shows its own through refuse); with `priceOf`,
   * as the notice of that SKU's new price (a reload shows again those still shown).
   */
  notify(text: string, priceOf?: string): void;
  dismissNotice(id: number): void;
  /** Forgets everything: another shopper (sign-in, sign-out) or a reconnection that refetches. */
  reset(): void;
}

export type CartStore = ReturnType<typeof createCartStore>;

const EMPTY: CartState = { server: null, pending: [], liveAvailable: {}, notices: [] };

export function createCartStore() {
  let nextId = 1;
  return createStore<CartState & CartActions>()((set, get) => ({
    ...EMPTY,

    receive(cart) {
      const held = get().server;
      if (held && (cart.version < held.version || (cart.version === held.version && sameCart(cart, held)))) return;
      // The cart's own figures are at least as fresh as earlier stock events for its SKUs.
      const liveAvailable = { ...get().liveAvailable };
      for (const line of cart.items) delete liveAvailable[line.sku];
      let notices = get().notices;
      for (const change of priceChanges(held, cart)) {
        const text = `The price of ${change.title} changed from ${formatMoney(change.from, cart.currency)} to ${formatMoney(change.to, cart.currency)}.`;
        notices = withNotice(
          notices.filter((notice) => notice.priceOf !== change.sku),
          { id: nextId++, text, priceOf: change.sku },
        );
      }
      set({ server: cart, liveAvailable, notices });
    },

    begin(change) {
      const id = nextId++;
      const shown = cartView(get());
      const current = (sku: string) => shown.lines.find((line) => line.sku === sku)?.quantity ?? 0;
      let target: Target;
      switch (change.kind) {
        case 'add': {
          const { sku, title, unitPriceCents, currency, available } = change;
          const newLine = { line: { sku, title, unitPriceCents, available, soldOut: available <= 0 }, currency };
          target = { kind: 'quantity', sku, quantity: current(sku) + change.quantity, newLine };
          break;
        }
        case 'set':
          target = { kind: 'quantity', sku: change.sku, quantity: change.quantity };
          break;
        case 'remove':
          target = { kind: 'quantity', sku: change.sku, quantity: 0 };
          break;
        case 'clear':
          target = { kind: 'clear' };
          break;
      }
      // The shopper has seen the new prices and acts on them.
      set({ pending: [...get().pending, { id, target }], notices: get().notices.filter((notice) => notice.priceOf === undefined) });
      return id;
    },

    settle(id, cart) {
      set({
        pending: get().pending.filter((change) => change.id !== id),
        notices: get().notices.filter((notice) => notice.refusalOf === undefined || notice.refusalOf > id),
      });
      get().receive(cart);
    },

    refuse(id, reason) {
      set({
        pending: get().pending.filter((change) => change.id !== id),
        notices: withNotice(get().notices, { id: nextId++, text: reason, refusalOf: id }),
      });
    },

    stockUpdate(sku, available) {
      set({ liveAvailable: { ...get().liveAvailable, [sku]: available } });
    },

    notify(text, priceOf) {
      set({ notices: withNotice(get().notices, { id: nextId++, text, ...(priceOf === undefined ? {} : { priceOf }) }) });
    },

    dismissNotice(id) {
      set({ notices: get().notices.filter((notice) => notice.id !== id) });
    },

    reset() {
      set({ ...EMPTY });
    },
  }));
}

/** `notices` with `notice` last, in place of one that says the same (two failed changes, one "cannot be reached"). */
function withNotice(notices: CartNotice[], notice: CartNotice): CartNotice[] {
  return [...notices.filter((shown) => shown.text !== notice.text), notice];
}

export interface PriceChange {
  sku: string;
  title: string;
  /** The unit price `held` showed, and the one `next` has, in minor units of the carts' currency. */
  from: number;
  to: number;
}

/**
 * The lines of `next` whose unit price is not the one `held` showed for the same SKU. Carts in two
 * currencies have no prices to compare (and the server keeps one currency per cart).
 */
export function priceChanges(held: Cart | null, next: Cart): PriceChange[] {
  if (!held || held.currency !== next.currency) return [];
  const shown = new Map(held.items.map((line) => [line.sku, line.unitPriceCents]));
  return next.items.flatMap(({ sku, title, unitPriceCents }) => {
    const from = shown.get(sku);
    return from === undefined || from === unitPriceCents ? [] : [{ sku, title, from, to: unitPriceCents }];
  });
}

/** Whether two carts of one version say the same; only what is not versioned (stock, a price being changed) can differ. */
function sameCart(a: Cart, b: Cart): boolean {
  return JSON.stringify([a.items, a.totalCents, a.currency, a.notices]) === JSON.stringify([b.items, b.totalCents, b.currency, b.notices]);
}

function problemOf(quantity: number, available: number): LineProblem | undefined {
  if (available <= 0) return 'sold-out';
  if (available < quantity) return 'short';
  return undefined;
}

/** What the cart drawer shows: the server cart with the pending changes applied, in order. */
export function cartView(state: CartState): CartView {
  const lines = new Map<string, CartViewLine>();
  let currency = state.server?.currency ?? 'EUR';
  for (const line of state.server?.items ?? []) lines.set(line.sku, { ...line, pending: false, problem: undefined });
  for (const { target } of state.pending) {
    if (target.kind === 'clear') {
      lines.clear();
      continue;
    }
    if (target.quantity <= 0) {
      lines.delete(target.sku);
      continue;
    }
    const existing = lines.get(target.sku);
    // A set or remove of a line the server cart no longer has (another tab removed it) has nothing to change.
    const base = existing ?? (target.newLine ? { ...target.newLine.line, quantity: 0, lineTotalCents: 0 } : undefined);
    if (!base) continue;
    if (lines.size === 0 && target.newLine) currency = target.newLine.currency;
    const lineTotalCents = base.unitPriceCents * target.quantity;
    lines.set(target.sku, { ...base, quantity: target.quantity, lineTotalCents, pending: true, problem: undefined });
  }
  const result: CartViewLine[] = [];
  for (const line of lines.values()) {
    const available = state.liveAvailable[line.sku] ?? line.available;
    result.push({ ...line, available, soldOut: available <= 0, problem: problemOf(line.quantity, available) });
  }
  const summed = result.reduce((sum, line) => sum + line.lineTotalCents, 0);
  return {
    lines: result,
    totalCents: state.pending.length === 0 && state.server ? state.server.totalCents : summed,
    currency,
    count: result.reduce((sum, line) => sum + line.quantity, 0),
    version: state.server?.version ?? 0,
    problems: result.filter((line) => line.problem !== undefined),
    removed: state.server?.notices.map((notice) => notice.message) ?? [],
  };
}
