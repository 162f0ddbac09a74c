import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useCallback, useState } from 'react';
import { Link } from 'wouter';
import { api, unwrap } from '../api/client';
import { formatDateTime, formatMoney } from '../lib/money';
import { useRealtimeEvent } from '../realtime/socket';
import { useSession } from '../session/session-store';
import { LoadError, Loading, Pager, StatusBadge } from '../ui/common';
import { usePageTitle } from '../ui/page-title';

const PAGE_SIZE = 20;

export function OrdersPage() {
  const session = useSession((state) => state.session);
  const [page, setPage] = useState(1);
  usePageTitle('Your orders');
  const orders = useQuery({
    queryKey: ['orders', session?.user.id, page],
    queryFn: () => unwrap(api.GET('/api/orders', { params: { query: { page, limit: PAGE_SIZE } } })),
    enabled: session !== null,
  });
  // An order paid, shipped, cancelled or expired while the list is open: read it again.
  const queryClient = useQueryClient();
  const onUpdate = useCallback(() => void queryClient.invalidateQueries({ queryKey: ['orders'] }), [queryClient]);
  useRealtimeEvent('order:update', onUpdate);
  return (
    <>
      <h1>Your orders</h1>
      {!session && (
        <p>
          You have no orders yet. <Link href="/signin">Sign in</Link> to see the orders of your account.
        </p>
      )}
      {orders.isLoading && <Loading what="your orders" />}
      {orders.error && <LoadError error={orders.error} retry={() => void orders.refetch()} />}
      {orders.data && orders.data.total === 0 && <p>You have no orders yet.</p>}
      {orders.data && orders.data.total > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Total
                </th>
              </tr>
            </thead>
            <tbody>
              {orders.data.items.map((order) => (
                <tr key={order.id}>
                  <td>
                    <Link href={`/orders/${order.id}`}>{order.id.slice(0, 8)}</Link>
                  </td>
                  <td>{formatDateTime(order.createdAt)}</td>
                  <td>
                    <StatusBadge status={order.status} />
                  </td>
                  <td className="num">{formatMoney(order.totalCents, order.currency)}</td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} limit={PAGE_SIZE} total={orders.data.total} onPage={setPage} />
        </div>
      )}
    </>
  );
}
