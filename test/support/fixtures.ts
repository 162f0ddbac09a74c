import { randomBytes } from 'node:crypto';
import type { InventoryView } from '../../src/modules/inventory/inventory.schemas.js';
import type { Api } from './http.js';

/** A SKU no other test uses. */
export const uniqueSku = (label = 'T') => `${label}-${randomBytes(5).toString('hex').toUpperCase()}`;

/** A product with `onHand` units, created through the admin API. */
export async function createProduct(
  admin: Api,
  options: { sku?: string; onHand: number; priceCents?: number; currency?: string; title?: string; category?: string },
): Promise<string> {
  const slug = options.category ?? 'test';
  const category = await admin.post('/api/admin/categories', { slug, name: slug });
  if (category.status !== 201 && category.status !== 409) throw new Error(`category: ${category.status}`);
  const sku = options.sku ?? uniqueSku();
  const created = await admin.post('/api/admin/products', {
    sku,
    title: options.title ?? `Product ${sku}`,
    priceCents: options.priceCents ?? 1_000,
    currency: options.currency ?? 'EUR',
    category: slug,
    onHand: options.onHand,
  });
  if (created.status !== 201) throw new Error(`product: ${created.status} ${JSON.stringify(created.body)}`);
  return sku;
}

export type { InventoryView };

export async function inventoryOf(admin: Api, sku: string): Promise<InventoryView> {
  const answer = await admin.get(`/api/admin/inventory/${sku}`);
  if (answer.status !== 200) throw new Error(`inventory ${sku}: ${answer.status}`);
  return answer.body;
}
