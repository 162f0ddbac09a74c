import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError, type Product } from '../api/client';
import { isLineQuantity, MAX_LINE_QUANTITY, QUANTITY_RULE } from '../cart/quantity';
import { formatMoney } from '../lib/money';
import { LoadError, Loading, StockLabel, Swatch } from '../ui/common';
import { usePageTitle } from '../ui/page-title';
import { AddToCartButton } from './AddToCartButton';
import { useCategories, useLiveProduct } from './products';
import { shipsFrom } from './ships-from';

/**
 * Why a typed quantity cannot be added, in a shopper's words; undefined when it can (or when nothing
 * is left, which the page says already). Nothing is lowered silently: 1001 used to add 1,000, and a
 * quantity above the stock the stock, without a word.
 */
function quantityProblem(typed: string, available: number): string | undefined {
  if (available <= 0 || typed === '') return undefined;
  const quantity = Number(typed);
  if (!isLineQuantity(quantity)) return `${QUANTITY_RULE}: ${typed} cannot be added.`;
  if (quantity > available) return `Only ${available} left: ${typed} cannot be added.`;
  return undefined;
}

export function ProductPage({ sku }: { sku: string }) {
  const product = useLiveProduct(sku);
  /** The quantity as typed: an empty field waits for digits, and what cannot be added stays in view, said why. */
  const [typed, setTyped] = useState('1');
  const categories = useCategories();
  const namesNothing = product.error instanceof ApiError && product.error.namesNothing;
  usePageTitle(product.data?.title ?? (namesNothing ? 'No such product' : undefined));
  // Said from the error first: a product deleted while its page is open (read again on its
  // product:update) is no longer on sale, whatever was read of it before.
  const item = product.error ? undefined : product.data;
  // One frame for every state of the page, its heading in the same place: the focus a navigation
  // gives it as the page opens (while the product loads) stays on it when the product is found, or is
  // not, or fails to load. "Loading…" alone had no heading to focus, and the focus stayed on the link
  // clicked, which fell to <body> as that link went away.
  return (
    <article className={item ? 'product-page' : undefined}>
      {item && <Swatch sku={item.sku} title={item.title} />}
      <div>
        {item && (
          <p className="muted">
            <Link href={`/c/${item.category}`}>
              {categories.data?.items.find((category) => category.slug === item.category)?.name ?? item.category}
            </Link>{' '}
            · SKU {item.sku}
          </p>
        )}
        <h1>{item ? item.title : namesNothing ? 'No such product' : `Product ${sku}`}</h1>
        {item ? (
          <ProductOnSale item={item} typed={typed} onType={setTyped} />
        ) : product.isPending ? (
          <Loading what="the product" />
        ) : namesNothing ? (
          // 400: an address that cannot name a SKU at all (/products/a%2Fb); to the shopper, no such product either.
          <p>
            There is no product {sku}. <Link href="/">Back to the shop</Link>
          </p>
        ) : (
          <LoadError error={product.error} retry={() => void product.refetch()} />
        )}
      </div>
    </article>
  );
}

/** What a product found offers: its price, its stock (live), what it is, and a quantity to add or buy now. */
function ProductOnSale({ item, typed, onType }: { item: Product; typed: string; onType: (typed: string) => void }) {
  const [, navigate] = useLocation();
  const max = Math.max(1, Math.min(item.available, MAX_LINE_QUANTITY));
  const problem = quantityProblem(typed, item.available);
  const quantity = Number(typed);
  const addable = typed !== '' && problem === undefined;
  return (
    <>
      <p className="price">{formatMoney(item.priceCents, item.currency)}</p>
      <p aria-live="polite" data-testid="stock">
        <StockLabel available={item.available} threshold={item.lowStockThreshold} />
      </p>
      {item.description && <p>{item.description}</p>}
      <div className="qty">
        <div>
          <label htmlFor="quantity">Quantity</label>
          <input
            id="quantity"
            type="number"
            min={1}
            max={max}
            value={typed}
            // Nothing to choose a quantity of: the buttons beside it say "Sold out". It comes back
            // with the stock (the page follows the product's stock live).
            disabled={item.available <= 0}
            aria-invalid={problem !== undefined || undefined}
            aria-describedby={problem !== undefined ? 'quantity-problem' : undefined}
            onChange={(event) => onType(event.target.value)}
          />
        </div>
        <AddToCartButton product={item} quantity={quantity} disabled={!addable} />
        <button
          type="button"
          className="secondary"
          disabled={item.available <= 0 || !addable}
          onClick={() => navigate(`/checkout?buy=${encodeURIComponent(item.sku)}&quantity=${quantity}`)}
        >
          Buy now
        </button>
      </div>
      {problem && (
        <p className="problem" role="alert" id="quantity-problem">
          {problem}
        </p>
      )}
      {item.sources.length > 1 && <p className="muted">Ships from {shipsFrom(item.sources)}.</p>}
    </>
  );
}
