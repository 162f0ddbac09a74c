import { useSearch } from 'wouter';
import { usePageTitle } from '../ui/page-title';
import { ProductList } from './ProductList';

/** The longest search the API takes, and so the most the search box lets be typed. */
export const SEARCH_MAX_LENGTH = 100;

/**
 * The search `?q=` asks for, as the search box would have taken it: trimmed, and cut to
 * SEARCH_MAX_LENGTH (a longer one, from an edited or pasted address, was refused as an invalid
 * querystring with a "Try again" that could never work). A cut through an emoji's surrogate pair
 * drops its half, which the API refuses.
 */
export function searchTermOf(search: string): string {
  let q = (new URLSearchParams(search).get('q') ?? '').trim().slice(0, SEARCH_MAX_LENGTH);
  if (/[\uD800-\uDBFF]$/.test(q)) q = q.slice(0, -1);
  return q.trim();
}

export function SearchPage() {
  const q = searchTermOf(useSearch());
  const heading = q ? `Results for “${q}”` : 'Search';
  usePageTitle(heading);
  return (
    <>
      <h1>{heading}</h1>
      {q ? <ProductList key={q} q={q} /> : <p>Type what you are looking for in the search box above.</p>}
    </>
  );
}
