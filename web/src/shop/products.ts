import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, type OkBody, type Product, unwrap } from '../api/client';
import type { StockUpdate } from '../realtime/events';
import { useRealtimeConnected, useRealtimeEvent, useWatchProduct, useWatchProducts } from '../realtime/socket';

export function useCategories() {
  return useQuery({ queryKey: ['categories'], queryFn: () => unwrap(api.GET('/api/categories')), staleTime: 5 * 60_000 });
}

type ProductPage = OkBody<'/api/products', 'get'>;

/**
 * A page of products, each one's `available` kept live as on a product page: the list watches its
 * SKUs, and each `stock:update` writes the new count into every cached list that shows the product.
 * Without a live connection it polls instead.
 */
export function useProducts(query: { category?: string; q?: string; page?: number; limit?: number }) {
  const queryClient = useQueryClient();
  const connected = useRealtimeConnected();
  const products = useQuery({
    queryKey: ['products', query],
    queryFn: () => unwrap(api.GET('/api/products', { params: { query } })),
    refetchInterval: connected ? false : 10_000,
  });
  useWatchProducts(products.data?.items.map((product) => product.sku) ?? []);
  const onStock = useCallback(
    ({ sku, available }: StockUpdate) =>
      queryClient.setQueriesData<ProductPage>({ queryKey: ['products'] }, (page) =>
        page?.items.some((product) => product.sku === sku)
          ? { ...page, items: page.items.map((product) => (product.sku === sku ? { ...product, available } : product)) }
          : page,
      ),
    [queryClient],
  );
  useRealtimeEvent('stock:update', onStock);
  return products;
}

/**
 * One product, its `available` kept live: the page watches the SKU, and each `stock:update`
 * writes the new count into the cached product. Without a live connection it polls instead.
 */
export function useLiveProduct(sku: string) {
  const queryClient = useQueryClient();
  const connected = useRealtimeConnected();
  useWatchProduct(sku);
  const onStock = useCallback(
    (update: StockUpdate) => {
      if (update.sku !== sku) return;
      queryClient.setQueryData<Product>(['product', sku], (product) => (product ? { ...product, available: update.available } : product));
    },
    [queryClient, sku],
  );
  useRealtimeEvent('stock:update', onStock);
  return useQuery({
    queryKey: ['product', sku],
    queryFn: () => unwrap(api.GET('/api/products/{sku}', { params: { path: { sku } } })),
    refetchInterval: connected ? false : 10_000,
  });
}
