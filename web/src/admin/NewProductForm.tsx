import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { api, type Category, type RequestBody, unwrap } from '../api/client';
import { formatMoney } from '../lib/money';
import { useCategories } from '../shop/products';
import { LoadError, Loading } from '../ui/common';
import { fieldRefusal, messageOf, readPrice, refusedField } from './refusal';

type NewProduct = RequestBody<'/api/admin/products', 'post'>;

/** What the catalog's schema takes for a SKU (src/modules/catalog/sku.ts), so the browser says so before the server does. */
const SKU_PATTERN = '[A-Za-z0-9][A-Za-z0-9._\\-]{0,63}';

/** A field of the form that needs a change (its input's name), and why. */
interface Invalid {
  field: string;
  message: string;
}

/** The product a filled form describes, or why it describes none. */
function productOf(form: FormData): NewProduct | Invalid {
  const text = (name: string) => String(form.get(name) ?? '').trim();
  const currency = text('currency').toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency)) return { field: 'currency', message: 'Currency: give a three-letter ISO 4217 code, such as EUR.' };
  const priceCents = readPrice(text('price'), currency);
  if (typeof priceCents === 'string') return { field: 'price', message: priceCents };
  const onHand = text('onHand');
  const threshold = text('threshold');
  return {
    sku: text('sku'),
    title: text('title'),
    priceCents,
    currency,
    category: text('category'),
    description: text('description'),
    // Left empty, the server decides: its default threshold; for units, 0 for a new SKU and what
    // it had for a deleted one brought back.
    ...(threshold ? { lowStockThreshold: Number(threshold) } : {}),
    ...(onHand ? { onHand: Number(onHand) } : {}),
  };
}

/** Creates a product with its stock; the form empties once the server has created it, and keeps what was typed when it refuses. */
export function NewProductForm({ onCreated }: { onCreated: (message: string) => void }) {
  const queryClient = useQueryClient();
  const categories = useCategories();
  const formRef = useRef<HTMLFormElement>(null);
  const [invalid, setInvalid] = useState<Invalid>();
  const create = useMutation({
    mutationFn: (body: NewProduct) => unwrap(api.POST('/api/admin/products', { body })),
    onSuccess: (product, body) => {
      formRef.current?.reset();
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      queryClient.setQueryData(['product', product.sku], product);
      const stock = body.onHand === undefined ? '' : `, ${body.onHand} on hand`;
      onCreated(`${product.sku} created: ${product.title}, ${formatMoney(product.priceCents, product.currency)}${stock}.`);
    },
  });
  if (categories.isPending) return <Loading what="the categories" />;
  if (categories.error) return <LoadError error={categories.error} retry={() => void categories.refetch()} />;

  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const product = productOf(new FormData(event.currentTarget));
    if ('message' in product) {
      setInvalid(product);
      create.reset();
    } else {
      setInvalid(undefined);
      create.mutate(product);
    }
  };
  const problem = invalid?.message ?? (create.error ? messageOf(create.error) : undefined);
  const { marked, at } = fieldRefusal(problem, invalid?.field ?? refusedField(create.error), 'new-product-problem');
  return (
    <form ref={formRef} onSubmit={submit} className="card" aria-label="New product">
      <div className="form-grid">
        <div className="field">
          <label htmlFor="new-sku">SKU</label>
          <input
            id="new-sku"
            name="sku"
            {...marked('sku')}
            required
            pattern={SKU_PATTERN}
            maxLength={64}
            title='1-64 letters, digits, ".", "_" or "-"'
          />
          {at('sku')}
        </div>
        <div className="field">
          <label htmlFor="new-title">Title</label>
          <input id="new-title" name="title" {...marked('title')} required maxLength={200} />
          {at('title')}
        </div>
        <div className="field">
          <label htmlFor="new-category">Category</label>
          <select id="new-category" name="category" {...marked('category')} required>
            <CategoryOptions categories={categories.data.items} />
          </select>
          {at('category')}
        </div>
        <div className="field">
          <label htmlFor="new-price">Price</label>
          <input id="new-price" name="price" {...marked('price')} inputMode="decimal" required placeholder="12.50" autoComplete="off" />
          {at('price')}
        </div>
        <div className="field">
          <label htmlFor="new-currency">Currency</label>
          <input id="new-currency" name="currency" {...marked('currency')} required defaultValue="EUR" pattern="[A-Za-z]{3}" maxLength={3} />
          {at('currency')}
        </div>
        <div className="field">
          <label htmlFor="new-on-hand">
            Units on hand <small>(optional)</small>
          </label>
          <input id="new-on-hand" name="onHand" {...marked('onHand')} type="number" min={0} step={1} />
          {at('onHand')}
        </div>
        <div className="field">
          <label htmlFor="new-threshold">
            Low-stock threshold <small>(optional: the shop's default)</small>
          </label>
          <input id="new-threshold" name="threshold" {...marked('threshold')} type="number" min={0} step={1} />
          {at('threshold')}
        </div>
      </div>
      <div className="field">
        <label htmlFor="new-description">
          Description <small>(optional)</small>
        </label>
        <textarea id="new-description" name="description" {...marked('description')} rows={2} maxLength={5_000} />
        {at('description')}
      </div>
      <button type="submit" disabled={create.isPending}>
        Create product
      </button>
      {at()}
    </form>
  );
}

/** A category select's options, by name as the shop lists them: the new-product form's and the product editor's. */
export function CategoryOptions({ categories }: { categories: readonly Category[] }) {
  return categories.map((category) => (
    <option key={category.slug} value={category.slug}>
      {category.name}
    </option>
  ));
}
