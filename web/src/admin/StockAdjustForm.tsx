import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { api, unwrap } from '../api/client';
import { messageOf, Refusal, useDropOnSettled } from './refusal';

/** Moves a SKU's stock on hand by a delta (a delivery in, damaged units out), with the reason the ledger records. */
export function StockAdjustForm({ sku, onDone, settled }: { sku: string; onDone: (message: string) => void; settled: number }) {
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const [invalid, setInvalid] = useState<string>();
  const adjust = useMutation({
    mutationFn: (body: { delta: number; reason?: string }) =>
      unwrap(api.POST('/api/admin/inventory/{sku}/adjust', { params: { path: { sku } }, body })),
    onSuccess: (inventory, { delta, reason }) => {
      formRef.current?.reset();
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      const move = `${delta > 0 ? '+' : ''}${delta}${reason ? ` (${reason})` : ''}`;
      onDone(`${sku}: ${move}, now ${inventory.onHand} on hand, ${inventory.available} available.`);
    },
  });
  useDropOnSettled(settled, () => {
    adjust.reset();
    setInvalid(undefined);
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const delta = Number(form.get('delta'));
    const reason = String(form.get('reason') ?? '').trim();
    if (!Number.isInteger(delta) || delta === 0) {
      setInvalid('Give a whole number of units other than 0: negative takes units away.');
      adjust.reset();
      return;
    }
    setInvalid(undefined);
    adjust.mutate({ delta, ...(reason ? { reason } : {}) });
  };
  const problem = invalid ?? (adjust.error ? messageOf(adjust.error) : undefined);
  return (
    <form ref={formRef} onSubmit={submit} aria-label={`Adjust stock of ${sku}`}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`delta-${sku}`}>Change on hand by</label>
          <input id={`delta-${sku}`} name="delta" type="number" step={1} required placeholder="-3 or 20" />
        </div>
        <div className="field">
          <label htmlFor={`reason-${sku}`}>
            Reason <small>(optional)</small>
          </label>
          <input id={`reason-${sku}`} name="reason" maxLength={500} placeholder="delivery, damaged, recount…" />
        </div>
        <div className="field" style={{ alignSelf: 'end' }}>
          <button type="submit" disabled={adjust.isPending}>
            Adjust stock
          </button>
        </div>
      </div>
      <Refusal text={problem} />
    </form>
  );
}
