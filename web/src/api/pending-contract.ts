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

export interface PendingVendor {
  id: string;
  name: string;
  baseUrl: string;
  status: string;
  circuit: string;
  lastSyncAt: string | null;
  skuCount: number;
}

type IdPath = { id: string };

export interface PendingPaths {
  '/api/admin/vendors': {
    get: Operation<{ 200: Json<PendingVendor[]> }>;
  };
  '/api/admin/vendors/{id}/sync': {
    post: Operation<{ 202: NoBody }, never, IdPath>;
  };
}
