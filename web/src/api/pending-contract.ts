/**
 * Operations of the public contract (shared API.md) that the API does not serve yet, so the
 * generated schema.d.ts does not describe them. They are written in the generated file's shape and
 * only fill the gaps: a path the OpenAPI document has always wins (see client.ts), so each entry
 * here is dead weight from the day its route lands, and is then deleted.
 */

type Json<T> = { content: { 'application/json': T } };
type NoBody = { content?: never };

type Operation<Ok extends Record<number, Json<unknown> | NoBody>, Body = never, Path = never, Query = never> = {
  parameters: { query?: Query; header?: never; cookie?: never } & ([Path] extends [never] ? { path?: never } : { path: Path });
  responses: Ok;
} & ([Body] extends [never] ? { requestBody?: never } : { requestBody: Json<Body> });

type Page<T> = { items: T[]; page: number; limit: number; total: number };

/** API.md, Cart: `version` grows by one with every change. */
export interface PendingCart {
  items: { sku: string; title: string; unitPriceCents: number; quantity: number; lineTotalCents: number; available: number; soldOut: boolean }[];
  totalCents: number;
  currency: string;
  version: number;
  updatedAt: string;
  /** Lines the cart lost without its owner asking (a product deleted), as the carts work in progress sends them. */
  notices: { sku: string; reason: 'deleted'; title: string; message: string }[];
}

/** API.md, Admin operations: one dead letter. */
export interface PendingFailedJob {
  id: string;
  queue: string;
  name: string;
  payload: unknown;
  reason: string;
  attempts: number;
  failedAt: string;
  status: string;
}

export interface PendingVendor {
  id: string;
  name: string;
  baseUrl: string;
  status: string;
  circuit: string;
  lastSyncAt: string | null;
  skuCount: number;
}

export interface PendingMailboxMessage {
  id: string;
  from: string;
  to: string[];
  subject: string;
  text: string;
  html: string | null;
  receivedAt: string;
}

type SkuPath = { sku: string };
type IdPath = { id: string };

export interface PendingPaths {
  '/api/cart': {
    get: Operation<{ 200: Json<PendingCart> }>;
    delete: Operation<{ 200: Json<PendingCart> }>;
  };
  '/api/cart/items': {
    post: Operation<{ 200: Json<PendingCart> }, { sku: string; quantity: number }>;
  };
  '/api/cart/items/{sku}': {
    put: Operation<{ 200: Json<PendingCart> }, { quantity: number }, SkuPath>;
    delete: Operation<{ 200: Json<PendingCart> }, never, SkuPath>;
  };
  '/api/orders/{id}/payment': {
    post: Operation<{ 201: Json<{ paymentId: string; checkoutUrl: string }> }, never, IdPath>;
  };
  '/api/admin/failed-jobs': {
    get: Operation<{ 200: Json<Page<PendingFailedJob>> }, never, never, { page?: number; limit?: number }>;
  };
  '/api/admin/failed-jobs/{id}/retry': {
    post: Operation<{ 202: NoBody }, never, IdPath>;
  };
  '/api/admin/failed-jobs/{id}/discard': {
    post: Operation<{ 200: NoBody }, never, IdPath>;
  };
  '/api/admin/vendors': {
    get: Operation<{ 200: Json<PendingVendor[]> }>;
  };
  '/api/admin/vendors/{id}/sync': {
    post: Operation<{ 202: NoBody }, never, IdPath>;
  };
  '/api/admin/mailbox': {
    get: Operation<{ 200: Json<Page<PendingMailboxMessage>> }, never, never, { page?: number; limit?: number; to?: string }>;
  };
}
