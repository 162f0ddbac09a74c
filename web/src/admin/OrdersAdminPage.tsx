import { keepPreviousData, useQuery } from '@tanstack/react-query';
import { Link, useLocation, useSearch } from 'wouter';
import { ApiError, api, type OrderStatus, unwrap } from '../api/client';
import { formatDateTime, formatMoney } from '../lib/money';
import { LoadError, Loading, Notice, Pager, StatusBadge } from '../ui/common';
import { useOutcomeNotice } from '../ui/outcome';
import { OrderTransitions } from './OrderTransitions';

const STATUSES: OrderStatus[] = ['PENDING', 'CONFIRMED', 'FULFILLED', 'CANCELLED', 'EXPIRED', 'FAILED'];
const PAGE_SIZE = 25;

/** The list's filter, search and page as the address gives them (`?status=PENDING&q=ada@example.com&page=2`); anything else is the default. */
function ordersViewOf(search: string): { status: OrderStatus | ''; q: string; page: number } {
  const params = new URLSearchParams(search);
  const status = params.get('status');
  const digits = params.get('page') ?? '';
  const page = /^\d{1,9}$/.test(digits) ? Number(digits) : 1;
  return {
    status: STATUSES.includes(status as OrderStatus) ? (status as OrderStatus) : '',
    q: (params.get('q') ?? '').trim(),
    page: Math.max(1, page),
  };
}

/** The address of the list with this filter, search and page: a reload, a link or Back shows the same list. */
function ordersAddress(status: OrderStatus | '', q: string, page: number): string {
  const params = new URLSearchParams();
  if (status) params.set('status', status);
  if (q) params.set('q', q);
  if (page > 1) params.set('page', String(page));
  const search = params.toString();
  return search ? `/orders?${search}` : '/orders';
}

export function OrdersAdminPage() {
  const { status, q, page } = ordersViewOf(useSearch());
  const [, navigate] = useLocation();
  // A clamp replaces the address it corrects: Back must not lead to it again.
  const setPage = (next: number, how?: 'clamp') => navigate(ordersAddress(status, q, next), { replace: how === 'clamp' });
  // A change that takes its order out of the filtered list takes its buttons, and the focus, with it.
  const { show, notice } = useOutcomeNotice();
  const orders = useQuery({
    queryKey: ['admin', 'orders', { status, q, page }],
    queryFn: () =>
      unwrap(api.GET('/api/admin/orders', { params: { query: { page, limit: PAGE_SIZE, ...(status ? { status } : {}), ...(q ? { q } : {}) } } })),
    // The page left stays shown while this one loads, so the pager keeps its place and the focus.
    placeholderData: keepPreviousData,
    refetchInterval: 10_000,
  });
  // An empty page left (one past the last, which a clamp corrects) is not shown under the new page's
  // number: an empty table there would read as a page of no orders.
  const shown = orders.isPlaceholderData && orders.data?.items.length === 0 ? undefined : orders.data;
  return (
    <>
      <h1>Orders</h1>
      {notice}
      <div className="field" style={{ maxWidth: '16rem' }}>
        <label htmlFor="status-filter">Status</label>
        <select
          id="status-filter"
          value={status}
          onChange={(event) => {
            navigate(ordersAddress(event.target.value as OrderStatus | '', q, 1));
          }}
        >
          <option value="">All statuses</option>
          {STATUSES.map((value) => (
            <option key={value} value={value}>
              {value}
            </option>
          ))}
        </select>
      </div>
      <search aria-label="Orders" className="field" style={{ maxWidth: '28rem' }}>
        <form
          onSubmit={(event) => {
            event.preventDefault();
            navigate(ordersAddress(status, String(new FormData(event.currentTarget).get('q') ?? '').trim(), 1));
          }}
        >
          <label htmlFor="order-search">Order id or customer email</label>
          <div style={{ display: 'flex', gap: '0.5rem' }}>
            <input
              id="order-search"
              name="q"
              type="search"
              defaultValue={q}
              key={q}
              maxLength={254}
              placeholder="0b5e1f2a or ada@example.com"
              style={{ flex: 1 }}
            />
            <button type="submit">Search</button>
          </div>
        </form>
      </search>
      {(orders.isPending || (orders.isPlaceholderData && !shown)) && <Loading what="orders" />}
      {orders.error &&
        (q && orders.error instanceof ApiError && orders.error.status === 400 ? (
          <Notice tone="warn">“{q}” is neither a customer’s email nor the start of an order id (such as 0b5e1f2a).</Notice>
        ) : (
          <LoadError error={orders.error} retry={() => void orders.refetch()} />
        ))}
      {shown && (
        <div className="table-wrap orders-list">
          <p className="muted" role="status">
            {shown.total} order{shown.total === 1 ? '' : 's'}
          </p>
          <table>
            <thead>
              <tr>
                <th scope="col">Order</th>
                <th scope="col">Placed</th>
                <th scope="col">Customer</th>
                <th scope="col">Items</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Total
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {shown.items.map((order) => (
                <tr key={order.id}>
                  <td className="orders-order">
                    {/* Under the column "Order", as the shop's own list of orders has it. */}
                    <Link href={`/orders/${order.id}`}>
                      <code>{order.id.slice(0, 8)}</code>
                    </Link>
                  </td>
                  <td className="orders-placed">{formatDateTime(order.createdAt)}</td>
                  <td className="orders-customer">{order.customerEmail ?? <span className="muted">guest</span>}</td>
                  <td className="orders-items">{order.items.map((item) => `${item.quantity} × ${item.sku}`).join(', ')}</td>
                  <td className="orders-status">
                    <StatusBadge status={order.status} />
                  </td>
                  <td className="num orders-total">{formatMoney(order.totalCents, order.currency)}</td>
                  <td className="orders-actions">
                    <OrderTransitions order={order} onDone={show} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
          <Pager page={page} limit={PAGE_SIZE} total={shown.total} onPage={setPage} />
        </div>
      )}
    </>
  );
}
