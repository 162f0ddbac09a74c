import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, unwrap } from '../api/client';
import { messageOf, Refusal } from './refusal';

/**
 * Deletes a product after a second, explicit click: the first only asks. Orders keep referring to
 * a deleted product, and its SKU can be created again.
 */
export function DeleteProduct({ sku, title, onDeleted }: { sku: string; title: string; onDeleted: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [confirming, setConfirming] = useState(false);
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/admin/products/{sku}', { params: { path: { sku } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['product', sku] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      onDeleted(`${sku} (${title}) was deleted.`);
    },
  });
  if (!confirming) {
    return (
      <button type="button" className="danger small" onClick={() => setConfirming(true)}>
        Delete<span className="visually-hidden"> {sku}</span>
      </button>
    );
  }
  return (
    <div className="inline">
      <span>
        Delete {sku} ({title})? It leaves the shop; orders keep it.
      </span>
      <button type="button" className="danger small" disabled={remove.isPending} onClick={() => remove.mutate()}>
        Yes, delete<span className="visually-hidden"> {sku}</span>
      </button>
      <button
        type="button"
        className="secondary small"
        disabled={remove.isPending}
        onClick={() => {
          setConfirming(false);
          remove.reset();
        }}
      >
        Keep<span className="visually-hidden"> {sku}</span>
      </button>
      <Refusal text={remove.error ? messageOf(remove.error) : undefined} inline />
    </div>
  );
}
