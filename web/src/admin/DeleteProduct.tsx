import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api, unwrap } from '../api/client';
import { ConfirmButton } from '../ui/common';
import { messageOf, Refusal } from './refusal';

/**
 * Deletes a product after a second, explicit click: the first only asks (ConfirmButton, which keeps
 * the focus on what it shows). Orders keep referring to a deleted product, and its SKU can be created again.
 */
export function DeleteProduct({ sku, title, onDeleted }: { sku: string; title: string; onDeleted: (message: string) => void }) {
  const queryClient = useQueryClient();
  const remove = useMutation({
    mutationFn: () => unwrap(api.DELETE('/api/admin/products/{sku}', { params: { path: { sku } } })),
    onSuccess: () => {
      queryClient.removeQueries({ queryKey: ['product', sku] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      onDeleted(`${sku} (${title}) was deleted.`);
    },
  });
  return (
    <div className="inline">
      <ConfirmButton
        small
        question={`Delete ${sku} (${title})? It leaves the shop; orders keep it.`}
        yes={
          <>
            Yes, delete<span className="visually-hidden"> {sku}</span>
          </>
        }
        keep={
          <>
            Keep<span className="visually-hidden"> {sku}</span>
          </>
        }
        onConfirm={() => remove.mutate()}
        disabled={remove.isPending}
      >
        Delete<span className="visually-hidden"> {sku}</span>
      </ConfirmButton>
      <Refusal text={remove.error ? messageOf(remove.error) : undefined} inline />
    </div>
  );
}
