import { useState } from 'react';
import { Link } from 'wouter';
import { LoadError, Loading, Pager, ProductCard } from '../ui/common';
import { AddToCartButton } from './AddToCartButton';
import { useProducts } from './products';

const PAGE_SIZE = 12;

export function ProductList({ category, q }: { category?: string; q?: string }) {
  const [page, setPage] = useState(1);
  const products = useProducts({ ...(category ? { category } : {}), ...(q ? { q } : {}), page, limit: PAGE_SIZE });
  if (products.isPending) return <Loading what="products" />;
  if (products.error) return <LoadError error={products.error} retry={() => void products.refetch()} />;
  const { items, total } = products.data;
  return (
    <>
      <p className="muted" role="status">
        {total === 0 ? 'No products found.' : `${total} product${total === 1 ? '' : 's'}`}
      </p>
      {/* A search that found nothing was a dead end: a page with one line on it. */}
      {total === 0 && q && (
        <p>
          Try another word or a shorter one, or <Link href="/">browse the shop</Link>.
        </p>
      )}
      <div className="grid">
        {items.map((product) => (
          <ProductCard key={product.sku} product={product} action={<AddToCartButton product={product} small />} />
        ))}
      </div>
      <Pager page={page} limit={PAGE_SIZE} total={total} onPage={setPage} />
    </>
  );
}
