import { ProductList } from './ProductList';
import { useCategories } from './products';

export function CategoryPage({ slug }: { slug: string }) {
  const categories = useCategories();
  const name = categories.data?.items.find((category) => category.slug === slug)?.name ?? slug;
  return (
    <>
      <h1>{name}</h1>
      <ProductList key={slug} category={slug} />
    </>
  );
}
