import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { api, unwrap } from '../api/client';
import { useFocusAfterRender } from '../ui/focus';
import { invalidMarks, messageOf, Refusal, useDropOnSettled } from './refusal';

/** Moves a SKU's stock on hand by a delta (a delivery in, damaged units out), with the reason the ledger records. */
export function StockAdjustForm({ sku, onDone, settled }: { sku: string; onDone: (message: string) => void; settled: number }) {
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const deltaRef = useRef<HTMLInputElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const [invalid, setInvalid] = useState<string>();
  // A refused change leaves the focus on the delta it refuses, marked and described by the refusal:
  // the button that had it was disabled while the change was sent, and the focus fell to <body>.
  const refuseDelta = () => focusAfterRender(() => deltaRef.current);
  const adjust = useMutation({
    mutationFn: (body: { delta: number; reason?: string }) =>
      unwrap(api.POST('/api/admin/inventory/{sku}/adjust', { params: { path: { sku } }, body })),
    onSuccess: (inventory, { delta, reason }) => {
      formRef.current?.reset();
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      const move = `${delta > 0 ? '+' : ''}${delta}${reason ? ` (${reason})` : ''}`;
      onDone(`${sku}: ${move}, now ${inventory.onHand} on hand, ${inventory.available} available.`);
    },
    onError: refuseDelta,
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
      refuseDelta();
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
          <input
            ref={deltaRef}
            id={`delta-${sku}`}
            name="delta"
            type="number"
            step={1}
            required
            placeholder="-3 or 20"
            {...invalidMarks(problem === undefined ? undefined : 'delta', `delta-problem-${sku}`)('delta')}
          />
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
      <Refusal text={problem} id={`delta-problem-${sku}`} />
    </form>
  );
}
