import { useState } from 'react';
import { Link, useLocation } from 'wouter';
import { ApiError } from '../api/client';
import { MAX_LINE_QUANTITY, nearestLineQuantity } from '../cart/quantity';
import { formatMoney } from '../lib/money';
import { LoadError, Loading, NumberInput, StockLabel, Swatch } from '../ui/common';
import { AddToCartButton } from './AddToCartButton';
import { useCategories, useLiveProduct } from './products';

export function ProductPage({ sku }: { sku: string }) {
  const product = useLiveProduct(sku);
  const [quantity, setQuantity] = useState(1);
  const [, navigate] = useLocation();
  const categories = useCategories();
  if (product.isPending) return <Loading what="the product" />;
  if (product.error) {
    // 400: an address that cannot name a SKU at all (/products/a%2Fb); to the shopper, no such product either.
    if (product.error instanceof ApiError && (product.error.status === 404 || product.error.status === 400)) {
      return (
        <>
          <h1>No such product</h1>
          <p>
            There is no product {sku}. <Link href="/">Back to the shop</Link>
          </p>
        </>
      );
    }
    return <LoadError error={product.error} retry={() => void product.refetch()} />;
  }
  const item = product.data;
  const max = Math.max(1, Math.min(item.available, MAX_LINE_QUANTITY));
  return (
    <article className="product-page">
      <Swatch sku={item.sku} title={item.title} />
      <div>
        <p className="muted">
          <Link href={`/c/${item.category}`}>
            {categories.data?.items.find((category) => category.slug === item.category)?.name ?? item.category}
          </Link>{' '}
          · SKU {item.sku}
        </p>
        <h1>{item.title}</h1>
        <p className="price">{formatMoney(item.priceCents, item.currency)}</p>
        <p aria-live="polite" data-testid="stock">
          <StockLabel available={item.available} threshold={item.lowStockThreshold} />
        </p>
        {item.description && <p>{item.description}</p>}
        <div className="qty">
          <div>
            <label htmlFor="quantity">Quantity</label>
            <NumberInput
              id="quantity"
              min={1}
              max={max}
              value={quantity}
              onNumber={(text) => {
                setQuantity(Math.min(max, nearestLineQuantity(Number(text))));
                return true;
              }}
            />
          </div>
          <AddToCartButton product={item} quantity={quantity} />
          <button
            type="button"
            className="secondary"
            disabled={item.available <= 0}
            onClick={() => navigate(`/checkout?buy=${encodeURIComponent(item.sku)}&quantity=${quantity}`)}
          >
            Buy now
          </button>
        </div>
        {item.sources.length > 1 && (
          <p className="muted">
            Ships from{' '}
            {item.sources
              .filter((source) => !source.stale && source.available > 0)
              .map((source) => source.source)
              .join(', ') || 'nowhere right now'}
            .
          </p>
        )}
      </div>
    </article>
  );
}
