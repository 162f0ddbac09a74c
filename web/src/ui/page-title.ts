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

/**
 * Names a page of the admin console: "`title` · Admin". Each page names its own, as the shop's do:
 * an order's page knows what became of the order (one that is not there is named so), which its
 * address does not say.
 */
export function useConsoleTitle(title: string): void {
  usePageTitle(`${title} · Admin`);
}
