import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { ApiError, api, unwrap } from '../api/client';
import { formatDateTime } from '../lib/money';
import { LoadError, Loading, Notice } from '../ui/common';

export function VendorsPage() {
  const queryClient = useQueryClient();
  const [message, setMessage] = useState<{ text: string; tone: 'ok' | 'bad' }>();
  const vendors = useQuery({
    queryKey: ['admin', 'vendors'],
    queryFn: () => unwrap(api.GET('/api/admin/vendors')),
    refetchInterval: 10_000,
  });
  const sync = useMutation({
    mutationFn: (id: string) => unwrap(api.POST('/api/admin/vendors/{id}/sync', { params: { path: { id } } })),
    onSuccess: (_answer, id) => {
      setMessage({ text: `A sync of ${id} was queued.`, tone: 'ok' });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'vendors'] });
    },
    onError: (error) => setMessage({ text: error instanceof ApiError ? error.message : 'The sync could not be queued.', tone: 'bad' }),
  });
  return (
    <>
      <h1>Vendors</h1>
      <p className="muted">Outside stock: each vendor's health, its circuit breaker and its last successful sync.</p>
      {message && (
        <Notice tone={message.tone} onDismiss={() => setMessage(undefined)}>
          {message.text}
        </Notice>
      )}
      {vendors.isPending && <Loading what="vendors" />}
      {vendors.error && <LoadError error={vendors.error} retry={() => void vendors.refetch()} />}
      {vendors.data && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Vendor</th>
                <th scope="col">Health</th>
                <th scope="col">Circuit</th>
                <th scope="col">Last sync</th>
                <th scope="col" className="num">
                  SKUs
                </th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {vendors.data.map((vendor) => (
                <tr key={vendor.id}>
                  <td>
                    <strong>{vendor.name}</strong>
                    <div className="muted">{vendor.baseUrl}</div>
                  </td>
                  <td>{vendor.status}</td>
                  <td>{vendor.circuit}</td>
                  <td>{vendor.lastSyncAt ? formatDateTime(vendor.lastSyncAt) : 'never'}</td>
                  <td className="num">{vendor.skuCount}</td>
                  <td>
                    <button type="button" className="small" disabled={sync.isPending} onClick={() => sync.mutate(vendor.id)}>
                      Sync now<span className="visually-hidden"> {vendor.name}</span>
                    </button>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </>
  );
}
