import { type KeyboardEvent, type ReactNode, useEffect, useRef, useState } from 'react';
import { Link } from 'wouter';
import type { OrderStatus, Product } from '../api/client';
import { failureText } from '../api/failure-text';
import { formatMoney } from '../lib/money';
import { useFocusAfterRender } from './focus';

/** How a notice reads: `bad` and `warn` are alerts, the others statuses. */
export type NoticeTone = 'info' | 'ok' | 'warn' | 'bad';

export function Notice({ tone, children, onDismiss }: { tone: NoticeTone; children: ReactNode; onDismiss?: () => void }) {
  return (
    <div className={`notice ${tone}`} role={tone === 'bad' || tone === 'warn' ? 'alert' : 'status'}>
      <div>{children}</div>
      {onDismiss && (
        <button type="button" className="link small" onClick={onDismiss}>
          Dismiss
        </button>
      )}
    </div>
  );
}

/**
 * A button whose action waits for a second, explicit yes: the first click only asks `question`,
 * inline, beside a button that does it (`yes`) and one that leaves things as they are (`keep`, or
 * Escape) and gives the first button back. Asking, the focus is on `keep`, so a second Enter by
 * mistake changes nothing; kept, it returns to the first button.
 */
export function ConfirmButton({
  children,
  question,
  detail,
  yes,
  keep,
  onConfirm,
  disabled = false,
  small = false,
}: {
  children: ReactNode;
  question: ReactNode;
  /** Shown with the question, before the buttons: what the confirmation may carry (a reason). */
  detail?: ReactNode;
  yes: ReactNode;
  keep: ReactNode;
  onConfirm: () => void;
  disabled?: boolean;
  small?: boolean;
}) {
  const [asking, setAsking] = useState(false);
  const askButton = useRef<HTMLButtonElement>(null);
  const keepButton = useRef<HTMLButtonElement>(null);
  /** Whether the first button comes back because the shopper or admin kept things as they were (not on first render). */
  const kept = useRef(false);
  useEffect(() => {
    if (asking) keepButton.current?.focus();
    else if (kept.current) askButton.current?.focus();
    kept.current = false;
  }, [asking]);
  const size = small ? ' small' : '';

  if (!asking) {
    return (
      <button ref={askButton} type="button" className={`danger${size}`} disabled={disabled} onClick={() => setAsking(true)}>
        {children}
      </button>
    );
  }
  const keepAsItIs = () => {
    kept.current = true;
    setAsking(false);
  };
  const keepOnEscape = (event: KeyboardEvent) => {
    if (event.key === 'Escape') keepAsItIs();
  };
  return (
    <span className="confirm">
      <span>{question}</span>
      {detail}
      <button
        type="button"
        className={`danger${size}`}
        onKeyDown={keepOnEscape}
        onClick={() => {
          setAsking(false);
          onConfirm();
        }}
      >
        {yes}
      </button>
      <button ref={keepButton} type="button" className={`secondary${size}`} onKeyDown={keepOnEscape} onClick={keepAsItIs}>
        {keep}
      </button>
    </span>
  );
}

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`badge ${status}`}>{status}</span>;
}

/** The error of a query, in words, with a way to try again. */
export function LoadError({ error, retry }: { error: unknown; retry?: () => void }) {
  return (
    <Notice tone="bad">
      {failureText(error, 'Something went wrong.')}{' '}
      {retry && (
        <button type="button" className="link" onClick={retry}>
          Try again
        </button>
      )}
    </Notice>
  );
}

export function Loading({ what }: { what: string }) {
  return (
    <p className="muted" role="status">
      Loading {what}…
    </p>
  );
}

const SWATCHES = ['#1d4ed8', '#7c3aed', '#0f766e', '#b45309', '#be123c', '#0369a1', '#4d7c0f'];

/** A product picture stand-in: the catalog has no images, and the shop fetches nothing from elsewhere. */
export function Swatch({ sku, title }: { sku: string; title: string }) {
  let hash = 0;
  for (const char of sku) hash = (hash * 31 + char.charCodeAt(0)) >>> 0;
  const initials = title
    .split(/\s+/)
    .slice(0, 2)
    .map((word) => word[0] ?? '')
    .join('')
    .toUpperCase();
  return (
    <div className="swatch" style={{ background: SWATCHES[hash % SWATCHES.length] }} aria-hidden="true">
      {initials}
    </div>
  );
}

export function StockLabel({ available, threshold = 5 }: { available: number; threshold?: number }) {
  if (available <= 0) return <span className="stock out">Sold out</span>;
  if (available <= threshold) return <span className="stock low">Only {available} left</span>;
  return <span className="stock ok">{available} in stock</span>;
}

export function ProductCard({ product, action }: { product: Product; action?: ReactNode }) {
  return (
    <article className="card product-card" aria-labelledby={`product-${product.sku}`}>
      <Swatch sku={product.sku} title={product.title} />
      <h3 id={`product-${product.sku}`}>
        <Link href={`/products/${encodeURIComponent(product.sku)}`}>{product.title}</Link>
      </h3>
      <StockLabel available={product.available} threshold={product.lowStockThreshold} />
      <div className="actions">
        <span className="price">{formatMoney(product.priceCents, product.currency)}</span>
        {action}
      </div>
    </article>
  );
}

/**
 * Previous and Next over `total` items, `limit` a page. The caller keeps showing the page it left
 * while the next one loads (`placeholderData: keepPreviousData`), so the pager, and the focus on it,
 * stays where it is.
 */
export function Pager({
  page,
  limit,
  total,
  onPage,
}: {
  page: number;
  limit: number;
  total: number;
  /** `clamp`: the page asked for is past the last one (its last row went, or an address asked for it); the last one instead. */
  onPage: (page: number, how?: 'clamp') => void;
}) {
  const previous = useRef<HTMLButtonElement>(null);
  const next = useRef<HTMLButtonElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const pages = Math.max(1, Math.ceil(total / limit));
  // A page past the last showed no rows, "Page 3 of 2", or no pager at all to get back with.
  useEffect(() => {
    if (page > pages) onPage(pages, 'clamp');
  }, [page, pages, onPage]);
  if (pages <= 1) return null;
  // On the first or the last page, the button just pressed is disabled and drops the focus: the other one takes it.
  const turnTo = (target: number) => {
    onPage(target);
    if (target <= 1) focusAfterRender(() => next.current);
    else if (target >= pages) focusAfterRender(() => previous.current);
  };
  return (
    <nav className="pager" aria-label="Pages">
      <button ref={previous} type="button" className="secondary small" disabled={page <= 1} onClick={() => turnTo(page - 1)}>
        Previous
      </button>
      <span>
        Page {page} of {pages}
      </span>
      <button ref={next} type="button" className="secondary small" disabled={page >= pages} onClick={() => turnTo(page + 1)}>
        Next
      </button>
    </nav>
  );
}
