import type { Product } from '../api/client';

/**
 * Where the units on sale are, in a shopper's words: the warehouse (the source `local`) and the
 * vendors (partners, whose names are the shop's own business), those with a fresh count above 0.
 */
export function shipsFrom(sources: Product['sources']): string {
  const fresh = sources.filter((source) => !source.stale && source.available > 0);
  const warehouse = fresh.some((source) => source.source === 'local');
  const partners = fresh.length - (warehouse ? 1 : 0);
  const partnerText = partners === 1 ? 'a partner' : `${partners} partners`;
  if (warehouse) return partners > 0 ? `our warehouse and ${partnerText}` : 'our warehouse';
  return partners > 0 ? partnerText : 'nowhere right now';
}
