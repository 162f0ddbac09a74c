import type { Api } from './http.js';

/** How many orders Postgres holds, of any status, as the admin API reports it. */
export async function persistedOrderCount(admin: Api): Promise<number> {
  const answer = await admin.get('/api/admin/orders?limit=1');
  if (answer.status !== 200) throw new Error(`admin orders: ${answer.status}`);
  return answer.body.total;
}

/** The id of every order Postgres holds, read page by page through the admin API. */
export async function persistedOrderIds(admin: Api): Promise<Set<string>> {
  const ids = new Set<string>();
  for (let page = 1; ; page++) {
    const answer = await admin.get(`/api/admin/orders?limit=100&page=${page}`);
    if (answer.status !== 200) throw new Error(`admin orders: ${answer.status}`);
    for (const order of answer.body.items as { id: string }[]) ids.add(order.id);
    if (answer.body.items.length < 100) return ids;
  }
}
