import { useCallback, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import { formatMoney } from '../lib/money';
import { Notice } from '../ui/common';
import { useFocusAfterRender } from '../ui/focus';
import { useCartDrawer } from '../ui/ui-store';
import { cartStore, clearCart, loadCart, removeFromCart, setQuantity, useCartNotices, useCartView } from './cart';
import type { CartViewLine } from './cart-store';
import { isLineQuantity, MAX_LINE_QUANTITY, QUANTITY_RULE } from './quantity';

/** What is wrong with a line, in the shopper's words. */
export function problemText(line: CartViewLine): string | undefined {
  if (line.problem === 'sold-out') return `${line.title} sold out while it was in your cart. Remove it to check out.`;
  if (line.problem === 'short') return `Only ${line.available} of ${line.title} left: lower the quantity to check out.`;
  return undefined;
}

/**
 * How long typing may pause before a typed quantity is sent. Sent per keystroke, "20" was two
 * changes: 2, taken, then 20, refused for want of stock, which left the line at 2, neither what it
 * held nor what was typed. Enter and leaving the field send at once.
 */
const QUANTITY_SETTLE_MS = 700;

/**
 * A cart line's quantity field: what is typed is a draft, sent as one change once typing pauses, on
 * Enter, or when the field is left. A quantity no line can hold (1001, -1, 2.5) is not sent, and
 * `onRefused` is told (undefined once the draft changes again, so no complaint outlives what it
 * was about); the field then shows the line again when left. An empty field waits for digits.
 */
function QuantityField({
  id,
  line,
  refusedId,
  onRefused,
}: {
  id: string;
  line: CartViewLine;
  refusedId: string | undefined;
  onRefused: (text: string | undefined) => void;
}) {
  const [draft, setDraft] = useState<string>();
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  useEffect(() => () => clearTimeout(timer.current), []);
  const send = (text: string | undefined, leaving: boolean) => {
    clearTimeout(timer.current);
    if (text === undefined || text === '') {
      if (leaving) setDraft(undefined);
      return;
    }
    const quantity = Number(text);
    // 0 takes the line out, as Remove does.
    if (quantity !== 0 && !isLineQuantity(quantity)) {
      onRefused(text);
      if (leaving) setDraft(undefined);
      return;
    }
    setDraft(undefined);
    if (quantity !== line.quantity) void setQuantity(line.sku, quantity, line.title);
  };
  return (
    <input
      id={id}
      type="number"
      min={0}
      max={MAX_LINE_QUANTITY}
      value={draft ?? line.quantity}
      aria-invalid={refusedId !== undefined || undefined}
      aria-describedby={refusedId}
      onChange={(event) => {
        const text = event.target.value;
        setDraft(text);
        onRefused(undefined);
        clearTimeout(timer.current);
        if (text !== '') timer.current = setTimeout(() => send(text, false), QUANTITY_SETTLE_MS);
      }}
      onKeyDown={(event) => {
        if (event.key !== 'Enter') return;
        // Cancelled, the key's press goes nowhere: with 0 sent, the focus is on the next line's
        // Remove by then, and the press would take that line out too.
        event.preventDefault();
        send(draft, false);
      }}
      onBlur={() => send(draft, true)}
    />
  );
}

/**
 * One line of the cart. `onLeftWithFocus` is told when the line leaves the cart while the focus is
 * in it, or nowhere (its Remove pressed, 0 typed then Enter or Tab, another tab's removal while
 * typing): the SKU of the line beside it, which is to take the focus, or undefined for none.
 */
function CartLineItem({
  line,
  currency,
  onLeftWithFocus,
}: {
  line: CartViewLine;
  currency: string;
  onLeftWithFocus: (neighbourSku: string | undefined) => void;
}) {
  const item = useRef<HTMLLIElement>(null);
  const left = useRef(onLeftWithFocus);
  left.current = onLeftWithFocus;
  // Before the line's element leaves the page: after, the focus it held would already be on <body>.
  // On <body> already is the focus of a field left with 0 (Tab): the line goes while it moves.
  useLayoutEffect(
    () => () => {
      const element = item.current;
      const active = document.activeElement;
      if (!element || !(active === null || active === document.body || element.contains(active))) return;
      const beside = element.nextElementSibling ?? element.previousElementSibling;
      left.current(beside?.getAttribute('data-sku') ?? undefined);
    },
    [],
  );
  const problem = problemText(line);
  const inputId = `qty-${line.sku}`;
  /** A quantity typed that no line can hold (1001, -1, 2.5): not sent, and said why. */
  const [refused, setRefused] = useState<string>();
  return (
    <li ref={item} className={`cart-line${line.pending ? ' pending' : ''}`} aria-busy={line.pending} data-sku={line.sku}>
      <div>
        <Link href={`/products/${encodeURIComponent(line.sku)}`}>{line.title}</Link>
        <div className="muted">{formatMoney(line.unitPriceCents, currency)} each</div>
      </div>
      <div className="price">{formatMoney(line.lineTotalCents, currency)}</div>
      <div className="controls">
        <label htmlFor={inputId} className="visually-hidden">
          Quantity of {line.title}
        </label>
        <QuantityField id={inputId} line={line} refusedId={refused !== undefined ? `${inputId}-refused` : undefined} onRefused={setRefused} />
        <button type="button" className="link small" data-remove onClick={() => void removeFromCart(line.sku, line.title)}>
          Remove<span className="visually-hidden"> {line.title}</span>
        </button>
      </div>
      {refused !== undefined && (
        <p className="problem" role="alert" id={`${inputId}-refused`}>
          {QUANTITY_RULE}: {refused} was not set. 0 or Remove takes the line out.
        </p>
      )}
      {problem && (
        <p className="problem" role="alert">
          {problem}
        </p>
      )}
    </li>
  );
}

/** The cart, as a modal side panel (native <dialog>: focus stays inside, Escape closes it). */
export function CartDrawer() {
  const open = useCartDrawer((state) => state.open);
  const setOpen = useCartDrawer((state) => state.setOpen);
  const cart = useCartView();
  const notices = useCartNotices();
  const dialog = useRef<HTMLDialogElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const focusAfterRender = useFocusAfterRender();

  /**
   * A line left the cart with the focus in it, which would fall to <body>: it moves to the Remove of
   * the line that takes its place (the one above, when it was the last), or to the cart's heading
   * when no line is left.
   */
  const lineLeftWithFocus = useCallback(
    (neighbourSku: string | undefined) =>
      focusAfterRender(() =>
        neighbourSku ? dialog.current?.querySelector<HTMLElement>(`[data-sku="${CSS.escape(neighbourSku)}"] [data-remove]`) : heading.current,
      ),
    [focusAfterRender],
  );

  useEffect(() => {
    const element = dialog.current;
    if (!element) return;
    if (open && !element.open) {
      element.showModal();
      // Fresh figures each time it opens, in case an event was missed.
      void loadCart();
    }
    if (!open && element.open) element.close();
  }, [open]);

  return (
    <dialog ref={dialog} className="drawer" aria-labelledby="cart-title" onClose={() => setOpen(false)}>
      <div className="drawer-body">
        <div className="drawer-head">
          <h2 id="cart-title" ref={heading} tabIndex={-1}>
            Your cart
          </h2>
          <button type="button" className="secondary small" onClick={() => setOpen(false)}>
            Close
          </button>
        </div>
        {notices.map((notice) => (
          <Notice key={notice.id} tone={notice.priceOf ? 'info' : 'bad'} onDismiss={() => cartStore.getState().dismissNotice(notice.id)}>
            {notice.text}
          </Notice>
        ))}
        {cart.removed.map((text) => (
          <Notice key={text} tone="warn">
            {text}
          </Notice>
        ))}
        {cart.lines.length === 0 ? (
          <p className="muted">Your cart is empty.</p>
        ) : (
          <>
            <ul className="cart-lines" aria-label="Items in your cart">
              {cart.lines.map((line) => (
                <CartLineItem key={line.sku} line={line} currency={cart.currency} onLeftWithFocus={lineLeftWithFocus} />
              ))}
            </ul>
            <div className="total">
              <span>Total</span>
              <span data-testid="cart-total">{formatMoney(cart.totalCents, cart.currency)}</span>
            </div>
            {cart.problems.length > 0 ? (
              <Notice tone="warn">Some items cannot be ordered as they are: see above.</Notice>
            ) : (
              <Link href="/checkout" className="button" onClick={() => setOpen(false)}>
                Check out
              </Link>
            )}
            <button
              type="button"
              className="danger small"
              onClick={() => {
                void clearCart();
                // The button goes with the lines: the cart's heading, above "Your cart is empty", takes the focus.
                focusAfterRender(() => heading.current);
              }}
            >
              Empty the cart
            </button>
          </>
        )}
      </div>
    </dialog>
  );
}
