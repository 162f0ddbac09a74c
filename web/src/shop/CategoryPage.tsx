import { Link } from 'wouter';
import { usePageTitle } from '../ui/page-title';
import { ProductList } from './ProductList';
import { useCategories } from './products';

export function CategoryPage({ slug }: { slug: string }) {
  const categories = useCategories();
  const category = categories.data?.items.find((candidate) => candidate.slug === slug);
  usePageTitle(categories.data ? (category?.name ?? 'No such category') : undefined);
  // An address no category has, or one that cannot be a slug (which the API refuses as a bad query,
  // a refusal no "Try again" would change): to the shopper, no such category either way.
  if (categories.data && !category) {
    return (
      <>
        <h1>No such category</h1>
        <p>
          There is no category {slug}. <Link href="/">Back to the shop</Link>
        </p>
      </>
    );
  }
  return (
    <>
      <h1>{category?.name ?? slug}</h1>
      <ProductList key={slug} category={slug} />
    </>
  );
}
