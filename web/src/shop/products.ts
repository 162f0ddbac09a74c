import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, type OkBody, type Product, unwrap } from '../api/client';
import type { ProductUpdate, StockUpdate } from '../realtime/events';
import { useRealtimeConnected, useRealtimeEvent, useWatchProducts } from '../realtime/socket';

export function useCategories() {
  return useQuery({ queryKey: ['categories'], queryFn: () => unwrap(api.GET('/api/categories')), staleTime: 5 * 60_000 });
}

type ProductPage = OkBody<'/api/products', 'get'>;

/**
 * Follows `skus` while the component is mounted: they are watched, each `stock:update` goes to
 * `apply`, and each `product:update` (a new price, title or currency, or the product gone) to
 * `reread` (stable callbacks). While the live connection is down the caller polls instead.
 */
function useFollowProducts(skus: readonly string[], apply: (update: StockUpdate) => void, reread: (update: ProductUpdate) => void): void {
  useWatchProducts(skus);
  useRealtimeEvent('stock:update', apply);
  useRealtimeEvent('product:update', reread);
}

/**
 * How often a product page or list reads its products again: every 10 s without a live connection;
 * with one, every minute, in case an event was lost (they are best effort).
 */
const refreshEvery = (connected: boolean) => (connected ? 60_000 : 10_000);

/**
 * A page of products, each one's `available` kept live as on a product page: each `stock:update`
 * of a SKU the list shows is written into every cached list that shows the product.
 */
export function useProducts(query: { category?: string; q?: string; page?: number; limit?: number }) {
  const queryClient = useQueryClient();
  const connected = useRealtimeConnected();
  const products = useQuery({
    queryKey: ['products', query],
    queryFn: () => unwrap(api.GET('/api/products', { params: { query } })),
    refetchInterval: refreshEvery(connected),
  });
  const apply = useCallback(
    ({ sku, available }: StockUpdate) =>
      queryClient.setQueriesData<ProductPage>({ queryKey: ['products'] }, (page) =>
        page?.items.some((product) => product.sku === sku)
          ? { ...page, items: page.items.map((product) => (product.sku === sku ? { ...product, available } : product)) }
          : page,
      ),
    [queryClient],
  );
  const shown = products.data?.items.map((product) => product.sku) ?? [];
  const reread = useCallback(
    ({ sku }: ProductUpdate) => {
      const listed = queryClient.getQueriesData<ProductPage>({ queryKey: ['products'] });
      if (listed.some(([, page]) => page?.items.some((product) => product.sku === sku)))
        void queryClient.invalidateQueries({ queryKey: ['products'] });
    },
    [queryClient],
  );
  useFollowProducts(shown, apply, reread);
  return products;
}

/**
 * One product, kept live: each `stock:update` of the SKU is written into the cached product, and a
 * `product:update` (an admin's new price or title) reads it again.
 */
export function useLiveProduct(sku: string) {
  const queryClient = useQueryClient();
  const connected = useRealtimeConnected();
  const apply = useCallback(
    (update: StockUpdate) => {
      if (update.sku !== sku) return;
      queryClient.setQueryData<Product>(['product', sku], (product) => (product ? { ...product, available: update.available } : product));
    },
    [queryClient, sku],
  );
  const reread = useCallback(
    (update: ProductUpdate) => {
      if (update.sku === sku) void queryClient.invalidateQueries({ queryKey: ['product', sku] });
    },
    [queryClient, sku],
  );
  useFollowProducts([sku], apply, reread);
  return useQuery({
    queryKey: ['product', sku],
    queryFn: () => unwrap(api.GET('/api/products/{sku}', { params: { path: { sku } } })),
    refetchInterval: refreshEvery(connected),
  });
}
