import { useSearch } from 'wouter';
import { ProductList } from './ProductList';

export function SearchPage() {
  const q = new URLSearchParams(useSearch()).get('q')?.trim() ?? '';
  return (
    <>
      <h1>{q ? `Results for “${q}”` : 'Search'}</h1>
      {q ? <ProductList key={q} q={q} /> : <p>Type what you are looking for in the search box above.</p>}
    </>
  );
}
