import { Link } from 'wouter';
import { LoadError, Loading, ProductCard } from '../ui/common';
import { AddToCartButton } from './AddToCartButton';
import { useCategories, useProducts } from './products';

export function HomePage() {
  const categories = useCategories();
  const featured = useProducts({ limit: 8 });
  return (
    <>
      <section className="hero" aria-labelledby="hero-title">
        <h1 id="hero-title">Flash sales that never oversell</h1>
        <p>Every unit you see is a unit you can buy. Add it to your cart, check out, and it is held for you while you pay.</p>
        <Link href="/products/FLASH-001" className="button">
          See today's flash deal
        </Link>
      </section>
      <section className="section" aria-labelledby="categories-title">
        <h2 id="categories-title">Categories</h2>
        {categories.error ? (
          <LoadError error={categories.error} retry={() => void categories.refetch()} />
        ) : (
          <div className="chips">
            {categories.data?.items.map((category) => (
              <Link key={category.slug} href={`/c/${category.slug}`} className="chip">
                {category.name}
              </Link>
            ))}
          </div>
        )}
      </section>
      <section className="section" aria-labelledby="featured-title">
        <h2 id="featured-title">Featured</h2>
        {featured.isPending && <Loading what="products" />}
        {featured.error && <LoadError error={featured.error} retry={() => void featured.refetch()} />}
        <div className="grid">
          {featured.data?.items.map((product) => (
            <ProductCard key={product.sku} product={product} action={<AddToCartButton product={product} small />} />
          ))}
        </div>
      </section>
    </>
  );
}
