import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { api, type RequestBody, unwrap, type Vendor } from '../api/client';
import { type FormFields, fieldRefusal, labelsOf, messageOf, refusedField, useDropOnSettled } from './refusal';

type NewVendor = RequestBody<'/api/admin/vendors', 'post'>;
type VendorChange = RequestBody<'/api/admin/vendors/{id}', 'patch'>;

/** The vendor forms' fields, by the JSON pointer of what each fills in a vendor. */
const VENDOR_FIELDS: FormFields = {
  '/name': { name: 'name', label: 'Name' },
  '/baseUrl': { name: 'baseUrl', label: 'Base URL' },
  '/priority': { name: 'priority', label: 'Priority' },
  '/enabled': { name: 'enabled', label: 'Enabled' },
};
const VENDOR_LABELS = labelsOf(VENDOR_FIELDS);

/** What the vendors' schema takes for a name (src/modules/vendors/vendors.schemas.ts), so the browser says so before the server does. */
const NAME_PATTERN = '[a-z0-9][a-z0-9_\\-]{0,63}';

/** The most a priority may be (the API's maximum). */
const MAX_PRIORITY = 1_000_000;

/** What a filled vendor form says; no priority when it was left empty (the new-vendor form's: the server's default). */
function vendorOf(form: FormData): NewVendor {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const priority = text('priority');
  return {
    name: text('name'),
    baseUrl: text('baseUrl'),
    ...(priority ? { priority: Number(priority) } : {}),
    enabled: form.get('enabled') === 'on',
  };
}

/** What of `vendor` the typed `form` changes: only that is sent, so a change another admin made to the rest stands. */
function changeOf(vendor: Vendor, typed: NewVendor): VendorChange {
  return {
    ...(typed.name !== vendor.name ? { name: typed.name } : {}),
    ...(typed.baseUrl !== vendor.baseUrl ? { baseUrl: typed.baseUrl } : {}),
    ...(typed.priority !== undefined && typed.priority !== vendor.priority ? { priority: typed.priority } : {}),
    ...(typed.enabled !== vendor.enabled ? { enabled: typed.enabled } : {}),
  };
}

/** A vendor as the console says it was saved. */
const summaryOf = (vendor: Vendor) => `priority ${vendor.priority}, ${vendor.enabled ? 'enabled' : 'disabled'}, ${vendor.baseUrl}`;

/** The inputs of both vendor forms (`id` tells their inputs apart), filled with `vendor`'s values when one is edited. */
function VendorFields({ id, vendor, refusal }: { id: string; vendor?: Vendor; refusal: ReturnType<typeof fieldRefusal> }) {
  const { marked, at } = refusal;
  return (
    <>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`${id}-name`}>Name</label>
          <input
            id={`${id}-name`}
            name="name"
            {...marked('name')}
            required
            pattern={NAME_PATTERN}
            maxLength={64}
            title='1-64 lowercase letters, digits, "_" or "-"'
            autoComplete="off"
            defaultValue={vendor?.name}
          />
          {at('name')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-base-url`}>Base URL</label>
          <input
            id={`${id}-base-url`}
            name="baseUrl"
            {...marked('baseUrl')}
            type="url"
            required
            maxLength={500}
            placeholder="https://vendor.example/api"
            autoComplete="off"
            defaultValue={vendor?.baseUrl}
          />
          {at('baseUrl')}
        </div>
        <div className="field">
          <label htmlFor={`${id}-priority`}>
            Priority <small>{vendor ? '(lower is asked first)' : '(optional: 100; lower is asked first)'}</small>
          </label>
          <input
            id={`${id}-priority`}
            name="priority"
            {...marked('priority')}
            type="number"
            min={0}
            max={MAX_PRIORITY}
            step={1}
            required={vendor !== undefined}
            defaultValue={vendor?.priority}
          />
          {at('priority')}
        </div>
      </div>
      <div className="field">
        <p className="check">
          <input id={`${id}-enabled`} name="enabled" type="checkbox" {...marked('enabled')} defaultChecked={vendor?.enabled ?? true} />
          <label htmlFor={`${id}-enabled`} style={{ margin: 0 }}>
            Enabled <small>(synced, and its stock on sale)</small>
          </label>
        </p>
        {at('enabled')}
      </div>
    </>
  );
}

/** Adds a vendor (an enabled one is synced at once); the form empties once it is added, and keeps what was typed when it is refused. */
export function NewVendorForm({ onAdded }: { onAdded: (message: string) => void }) {
  const queryClient = useQueryClient();
  const formRef = useRef<HTMLFormElement>(null);
  const add = useMutation({
    mutationFn: (body: NewVendor) => unwrap(api.POST('/api/admin/vendors', { body })),
    onSuccess: (vendor) => {
      formRef.current?.reset();
      void queryClient.invalidateQueries({ queryKey: ['admin', 'vendors'] });
      onAdded(`${vendor.name} added: ${summaryOf(vendor)}${vendor.enabled ? '; its first sync is queued' : ''}.`);
    },
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    add.mutate(vendorOf(new FormData(event.currentTarget)));
  };
  const problem = add.error ? messageOf(add.error, undefined, VENDOR_LABELS) : undefined;
  const refusal = fieldRefusal(problem, refusedField(add.error, VENDOR_FIELDS), 'new-vendor-problem');
  return (
    <form ref={formRef} onSubmit={submit} className="card" aria-label="New vendor">
      <VendorFields id="new-vendor" refusal={refusal} />
      <button type="submit" disabled={add.isPending}>
        Add vendor
      </button>
      {refusal.at()}
    </form>
  );
}

/**
 * Changes a vendor's name, base URL or priority, or enables or disables it: only what was changed
 * is sent. `settled` is how many changes have succeeded on the page: the refusal drops when it moves.
 */
export function VendorEditor({ vendor, onDone, settled }: { vendor: Vendor; onDone: (message: string) => void; settled: number }) {
  const queryClient = useQueryClient();
  /** Said here when nothing was changed: the server would only refuse an empty change. */
  const [unchanged, setUnchanged] = useState<string>();
  const save = useMutation({
    mutationFn: (body: VendorChange) => unwrap(api.PATCH('/api/admin/vendors/{id}', { params: { path: { id: vendor.id } }, body })),
    onSuccess: (updated) => {
      void queryClient.invalidateQueries({ queryKey: ['admin', 'vendors'] });
      onDone(`${updated.name} saved: ${summaryOf(updated)}.`);
    },
  });
  useDropOnSettled(settled, () => {
    save.reset();
    setUnchanged(undefined);
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const change = changeOf(vendor, vendorOf(new FormData(event.currentTarget)));
    if (Object.keys(change).length === 0) {
      setUnchanged(`Nothing to save: ${vendor.name} is already as the form says.`);
      save.reset();
      return;
    }
    setUnchanged(undefined);
    save.mutate(change);
  };
  const problem = unchanged ?? (save.error ? messageOf(save.error, undefined, VENDOR_LABELS) : undefined);
  const refusal = fieldRefusal(problem, unchanged ? undefined : refusedField(save.error, VENDOR_FIELDS), `vendor-problem-${vendor.id}`);
  return (
    <form onSubmit={submit} aria-label={`Edit ${vendor.name}`}>
      <VendorFields id={`vendor-${vendor.id}`} vendor={vendor} refusal={refusal} />
      <button type="submit" disabled={save.isPending}>
        Save vendor
      </button>
      {refusal.at()}
    </form>
  );
}
