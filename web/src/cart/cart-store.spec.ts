import { describe, expect, it } from 'vitest';
import type { Cart } from '../api/client';
import { cartView, createCartStore } from './cart-store';

const line = (sku: string, quantity: number, available = 10, unitPriceCents = 1_000) => ({
  sku,
  title: `Product ${sku}`,
  unitPriceCents,
  quantity,
  lineTotalCents: unitPriceCents * quantity,
  available,
  soldOut: available <= 0,
});

const cart = (version: number, items: ReturnType<typeof line>[]): Cart => ({
  items,
  totalCents: items.reduce((sum, item) => sum + item.lineTotalCents, 0),
  currency: 'EUR',
  version,
  updatedAt: new Date(0).toISOString(),
  notices: [],
});

const add = (sku: string, quantity: number, available = 10) =>
  ({ kind: 'add', sku, quantity, title: `Product ${sku}`, unitPriceCents: 1_000, currency: 'EUR', available }) as const;

const view = (store: ReturnType<typeof createCartStore>) => cartView(store.getState());
const quantities = (store: ReturnType<typeof createCartStore>) => Object.fromEntries(view(store).lines.map((item) => [item.sku, item.quantity]));

describe('the cart store', () => {
  it('keeps the server cart with the highest version, whichever arrives last', () => {
    const store = createCartStore();
    store.getState().receive(cart(3, [line('A', 3)]));
    store.getState().receive(cart(2, [line('A', 2)]));
    expect(quantities(store)).toEqual({ A: 3 });
    store.getState().receive(cart(4, [line('A', 4), line('B', 1)]));
    expect(quantities(store)).toEqual({ A: 4, B: 1 });
    expect(view(store).version).toBe(4);
  });

  it('takes a push at the version it holds when the server says a line sold out, or came back', () => {
    // Stock is not part of a cart's version: the server pushes a sold-out or back-in-stock line at
    // the version the cart already has.
    const store = createCartStore();
    store.getState().receive(cart(3, [line('A', 2, 10), line('B', 1, 10)]));
    store.getState().receive(cart(3, [line('A', 2, 0), line('B', 1, 10)]));
    expect(view(store).lines.map((item) => [item.sku, item.soldOut, item.available])).toEqual([
      ['A', true, 0],
      ['B', false, 10],
    ]);
    expect(view(store).problems.map((item) => [item.sku, item.problem])).toEqual([['A', 'sold-out']]);
    store.getState().receive(cart(3, [line('A', 2, 5), line('B', 1, 10)]));
    expect(view(store).problems).toEqual([]);
    expect(view(store).lines[0]!.available).toBe(5);
  });

  it('lets a same-version cart replace older stock events for its lines, and an identical one change nothing', () => {
    const store = createCartStore();
    const held = cart(3, [line('A', 2, 10)]);
    store.getState().receive(held);
    store.getState().stockUpdate('A', 1);
    // The very cart it holds, again (its own HTTP answer after the push): the stock event stays.
    store.getState().receive(cart(3, [line('A', 2, 10)]));
    expect(store.getState().server).toBe(held);
    expect(view(store).lines[0]!.available).toBe(1);
    store.getState().receive(cart(3, [line('A', 2, 0)]));
    expect(view(store).lines[0]!.available).toBe(0);
  });

  it('shows an optimistic add at once, before the server answers', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1)]));
    store.getState().begin(add('A', 2));
    store.getState().begin(add('B', 1));
    const shown = view(store);
    expect(quantities(store)).toEqual({ A: 3, B: 1 });
    expect(shown.count).toBe(4);
    expect(shown.totalCents).toBe(4_000);
    expect(shown.lines.every((item) => item.pending)).toBe(true);
  });

  it('does not count a change twice when its cart:update arrives before its HTTP answer', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1)]));
    const id = store.getState().begin(add('A', 2));
    // The socket brings the cart this very change produced, while the request is still open.
    store.getState().receive(cart(2, [line('A', 3)]));
    expect(quantities(store)).toEqual({ A: 3 });
    store.getState().settle(id, cart(2, [line('A', 3)]));
    expect(quantities(store)).toEqual({ A: 3 });
    expect(view(store).lines[0]!.pending).toBe(false);
  });

  it('rolls a refused change back to the server cart and says why', () => {
    const store = createCartStore();
    store.getState().receive(cart(5, [line('A', 1, 1)]));
    const id = store.getState().begin(add('A', 1, 1));
    expect(quantities(store)).toEqual({ A: 2 });
    store.getState().refuse(id, 'Only 1 of Product A left.');
    expect(quantities(store)).toEqual({ A: 1 });
    expect(store.getState().notices.map((notice) => notice.text)).toEqual(['Only 1 of Product A left.']);
    expect(view(store).version).toBe(5);
  });

  it('takes a refusal away once a change begun after it succeeds, and keeps one a change begun before it cannot answer', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1, 20)]));
    const earlier = store.getState().begin({ kind: 'set', sku: 'A', quantity: 2 });
    const refused = store.getState().begin({ kind: 'set', sku: 'A', quantity: 30 });
    store.getState().refuse(refused, 'Only 20 of Product A left.');
    store.getState().notify('Product B was left out of your cart (it is no longer sold).');
    // Sent before the refused one, its success says nothing about it.
    store.getState().settle(earlier, cart(2, [line('A', 2, 20)]));
    expect(store.getState().notices).toHaveLength(2);

    const later = store.getState().begin({ kind: 'set', sku: 'A', quantity: 3 });
    store.getState().settle(later, cart(3, [line('A', 3, 20)]));
    expect(store.getState().notices.map((notice) => notice.text)).toEqual(['Product B was left out of your cart (it is no longer sold).']);
  });

  it('shows a notice once however many changes it refuses', () => {
    const store = createCartStore();
    const unreachable = 'the shop cannot be reached; check your connection and try again';
    store.getState().refuse(store.getState().begin(add('A', 1)), unreachable);
    store.getState().refuse(store.getState().begin(add('B', 1)), unreachable);
    expect(store.getState().notices.map((notice) => notice.text)).toEqual([unreachable]);
  });

  it('lets a newer cart from another tab win over an older answer to this tab', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, []));
    const id = store.getState().begin(add('A', 1));
    // Another tab added B after this tab's change was applied: version 3 holds both.
    store.getState().receive(cart(3, [line('A', 1), line('B', 2)]));
    store.getState().settle(id, cart(2, [line('A', 1)]));
    expect(quantities(store)).toEqual({ A: 1, B: 2 });
    expect(view(store).version).toBe(3);
  });

  it('lays pending changes over a newer server cart, in the order they were made', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1), line('B', 1)]));
    store.getState().begin({ kind: 'set', sku: 'A', quantity: 5 });
    store.getState().begin({ kind: 'remove', sku: 'B' });
    store.getState().receive(cart(2, [line('A', 1), line('B', 1), line('C', 1)]));
    expect(quantities(store)).toEqual({ A: 5, C: 1 });
    store.getState().begin({ kind: 'clear' });
    expect(view(store).lines).toEqual([]);
  });

  it('flags a line that sells out or runs short while it sits in the cart', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 2, 10), line('B', 1, 10)]));
    expect(view(store).problems).toEqual([]);
    store.getState().stockUpdate('A', 0);
    store.getState().stockUpdate('B', 3);
    expect(view(store).problems.map((item) => [item.sku, item.problem])).toEqual([['A', 'sold-out']]);
    store.getState().stockUpdate('B', 0);
    store.getState().stockUpdate('A', 1);
    expect(view(store).problems.map((item) => [item.sku, item.problem, item.available])).toEqual([
      ['A', 'short', 1],
      ['B', 'sold-out', 0],
    ]);
  });

  it('takes a newer cart’s availability over older stock events for its lines', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1, 10)]));
    store.getState().stockUpdate('A', 0);
    store.getState().receive(cart(2, [line('A', 1, 4)]));
    expect(view(store).lines[0]!.available).toBe(4);
    expect(view(store).problems).toEqual([]);
  });

  it('says when the server sends a line at another price than the cart it replaces, from the price shown to the new one', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 2, 10, 1_200), line('B', 1, 10, 500)]));
    expect(store.getState().notices).toEqual([]);
    // The catalog repriced A: the push has a new version and A's new price.
    store.getState().receive(cart(2, [line('A', 2, 10, 950), line('B', 1, 10, 500)]));
    expect(store.getState().notices).toEqual([
      { id: expect.any(Number), text: 'The price of Product A changed from €12.00 to €9.50.', priceOf: 'A' },
    ]);
    expect(view(store).totalCents).toBe(2_400);
  });

  it('says nothing of a line new to the cart, a price that stayed, a cart at another currency, or an older cart arriving late', () => {
    const store = createCartStore();
    // The first cart of this tab: there is no price shown before it.
    store.getState().receive(cart(1, [line('A', 1, 10, 1_000)]));
    store.getState().receive(cart(2, [line('A', 2, 10, 1_000), line('B', 1, 10, 700)]));
    // The server moved the cart to another currency (its only product now sold in USD): no price to compare.
    store.getState().receive({ ...cart(3, [line('B', 1, 10, 800)]), currency: 'USD' });
    // An older cart, at the old price, is not taken: nothing changed for the shopper.
    store.getState().receive(cart(2, [line('A', 2, 10, 1_000), line('B', 1, 10, 700)]));
    expect(store.getState().notices).toEqual([]);
  });

  it('keeps a price notice until it is dismissed or the shopper changes the cart, one notice a line', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1, 10, 1_200), line('B', 1, 10, 500)]));
    store.getState().receive(cart(2, [line('A', 1, 10, 950), line('B', 1, 10, 500)]));
    // A push that changes nothing of A's price (B sold out, say) leaves the notice as it is.
    store.getState().receive(cart(2, [line('A', 1, 10, 950), line('B', 1, 0, 500)]));
    const texts = () => store.getState().notices.map((notice) => notice.text);
    expect(texts()).toEqual(['The price of Product A changed from €12.00 to €9.50.']);
    // Changed again before the shopper acted: one notice, from the price last shown.
    store.getState().receive(cart(3, [line('A', 1, 10, 1_100), line('B', 1, 0, 500)]));
    expect(texts()).toEqual(['The price of Product A changed from €9.50 to €11.00.']);
    store.getState().dismissNotice(store.getState().notices[0]!.id);
    expect(texts()).toEqual([]);

    store.getState().receive(cart(4, [line('A', 1, 10, 1_100), line('B', 1, 0, 450)]));
    store.getState().notify('Product C was left out of your cart (it is no longer sold).');
    expect(texts()).toEqual(['The price of Product B changed from €5.00 to €4.50.', 'Product C was left out of your cart (it is no longer sold).']);
    // The shopper's next change: the price notice is old news, other notices stay.
    store.getState().begin({ kind: 'set', sku: 'A', quantity: 2 });
    expect(texts()).toEqual(['Product C was left out of your cart (it is no longer sold).']);
  });

  it('says a price change that the answer to the shopper’s own change brings', () => {
    const store = createCartStore();
    store.getState().receive(cart(1, [line('A', 1, 10, 1_200)]));
    const id = store.getState().begin({ kind: 'set', sku: 'A', quantity: 2 });
    // A was repriced before the change reached the server, and its push was missed.
    store.getState().settle(id, cart(3, [line('A', 2, 10, 1_000)]));
    expect(store.getState().notices.map((notice) => notice.text)).toEqual(['The price of Product A changed from €12.00 to €10.00.']);
  });

  it('forgets everything on reset (another shopper)', () => {
    const store = createCartStore();
    store.getState().receive(cart(7, [line('A', 1)]));
    store.getState().begin(add('B', 1));
    store.getState().reset();
    expect(view(store)).toMatchObject({ lines: [], count: 0, version: 0 });
    store.getState().receive(cart(1, [line('C', 1)]));
    expect(quantities(store)).toEqual({ C: 1 });
  });
});
