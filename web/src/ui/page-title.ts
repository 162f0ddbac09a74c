import { useEffect } from 'react';

const SHOP = 'flashcart';

/**
 * Names the page in the browser's tab, its history and bookmarks, and to a screen reader as a page
 * opens: "`title` — flashcart", or the shop's name alone while there is no title (yet). Every page
 * was "flashcart", so a tab of a product could not be told from one of the checkout.
 */
export function usePageTitle(title: string | undefined): void {
  useEffect(() => {
    document.title = title ? `${title} — ${SHOP}` : SHOP;
    return () => {
      document.title = SHOP;
    };
  }, [title]);
}
