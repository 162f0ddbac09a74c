import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import { api, type Product, unwrap } from '../api/client';
import type { StockUpdate } from '../realtime/events';
import { useRealtimeConnected, useRealtimeEvent, useWatchProduct } from '../realtime/socket';

export function useCategories() {
  return useQuery({ queryKey: ['categories'], queryFn: () => unwrap(api.GET('/api/categories')), staleTime: 5 * 60_000 });
}

export function useProducts(query: { category?: string; q?: string; page?: number; limit?: number }) {
  return useQuery({
    queryKey: ['products', query],
    queryFn: () => unwrap(api.GET('/api/products', { params: { query } })),
  });
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
