import { useIsMutating, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useEffect, useState } from 'react';
import { api, type InventoryItem, type RequestBody, unwrap } from '../api/client';
import { formatMoney, minorDigits } from '../lib/money';
import { useCategories } from '../shop/products';
import { LoadError, Loading, Pager } from '../ui/common';
import { useOutcomeNotice } from '../ui/outcome';
import { DeleteProduct } from './DeleteProduct';
import { NewCategoryForm } from './NewCategoryForm';
import { CategoryOptions, NewProductForm } from './NewProductForm';
import { fieldRefusal, messageOf, Refusal, readPrice, refusedField, useDropOnSettled } from './refusal';
import { StockAdjustForm } from './StockAdjustForm';

const PAGE_SIZE = 25;

/**
 * Stock of one SKU: set what is on hand (moving it by a delta is StockAdjustForm's). What it may
 * go down to is the API's floor: what reservations hold beyond the vendors' counted units.
 */
/** The forms of a row take `settled` (how many changes have succeeded on the page): each drops its refusal when it moves. */
interface RowForm {
  onDone: (message: string) => void;
  settled: number;
}

function StockEditor({ item, onDone, settled }: RowForm & { item: InventoryItem }) {
  const queryClient = useQueryClient();
  const [error, setError] = useState<string>();
  useDropOnSettled(settled, () => setError(undefined));
  const refresh = () => queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
  const setOnHand = useMutation({
    mutationFn: (onHand: number) => unwrap(api.PUT('/api/admin/inventory/{sku}', { params: { path: { sku: item.sku } }, body: { onHand } })),
    onSuccess: (inventory) => {
      void refresh();
      onDone(`${item.sku}: ${inventory.onHand} on hand, ${inventory.available} available.`);
    },
    onError: (failure) => setError(messageOf(failure)),
  });
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const value = Number(new FormData(event.currentTarget).get('onHand'));
    if (Number.isInteger(value) && value >= 0) setOnHand.mutate(value);
  };
  return (
    <form onSubmit={submit} className="qty" aria-label={`Stock of ${item.sku}`}>
      <div>
        <label htmlFor={`onhand-${item.sku}`} className="visually-hidden">
          On hand for {item.sku}
        </label>
        <input
          id={`onhand-${item.sku}`}
          name="onHand"
          type="number"
          min={Math.max(0, item.reserved - item.vendorOnHand)}
          defaultValue={item.onHand}
          required
          style={{ width: '6rem' }}
        />
      </div>
      <button type="submit" className="small" disabled={setOnHand.isPending}>
        Save<span className="visually-hidden"> stock of {item.sku}</span>
      </button>
      <Refusal text={error} inline />
    </form>
  );
}

type ProductChange = RequestBody<'/api/admin/products/{sku}', 'patch'>;

/** Title, price, category, description and low-stock threshold of one product. */
function ProductEditor({ sku, onDone, settled }: RowForm & { sku: string }) {
  const queryClient = useQueryClient();
  /** A typed price that is not an amount: said here, as the server would never hear of it. */
  const [badPrice, setBadPrice] = useState<string>();
  const product = useQuery({ queryKey: ['product', sku], queryFn: () => unwrap(api.GET('/api/products/{sku}', { params: { path: { sku } } })) });
  const categories = useCategories();
  const save = useMutation({
    mutationFn: (body: ProductChange) => unwrap(api.PATCH('/api/admin/products/{sku}', { params: { path: { sku } }, body })),
    onSuccess: (updated) => {
      queryClient.setQueryData(['product', sku], updated);
      void queryClient.invalidateQueries({ queryKey: ['admin', 'inventory'] });
      void queryClient.invalidateQueries({ queryKey: ['products'] });
      onDone(`${sku} saved: ${updated.title}, ${formatMoney(updated.priceCents, updated.currency)}.`);
    },
  });
  useDropOnSettled(settled, () => {
    save.reset();
    setBadPrice(undefined);
  });
  if (product.isPending) return <Loading what={sku} />;
  if (product.error) return <LoadError error={product.error} />;
  if (categories.isPending) return <Loading what="the categories" />;
  if (categories.error) return <LoadError error={categories.error} retry={() => void categories.refetch()} />;
  const { currency } = product.data;
  const digits = minorDigits(currency);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const priceCents = readPrice(String(form.get('price')), currency);
    if (typeof priceCents === 'string') {
      setBadPrice(priceCents);
      save.reset();
      return;
    }
    setBadPrice(undefined);
    save.mutate({
      title: String(form.get('title')).trim(),
      priceCents,
      category: String(form.get('category')),
      description: String(form.get('description')).trim(),
      lowStockThreshold: Number(form.get('threshold')),
    });
  };
  const problem = badPrice ?? (save.error ? messageOf(save.error) : undefined);
  const { marked, at } = fieldRefusal(problem, badPrice ? 'price' : refusedField(save.error), `problem-${sku}`);
  return (
    <form onSubmit={submit} aria-label={`Edit ${sku}`}>
      <div className="form-grid">
        <div className="field">
          <label htmlFor={`title-${sku}`}>Title</label>
          <input id={`title-${sku}`} name="title" {...marked('title')} defaultValue={product.data.title} required maxLength={200} />
          {at('title')}
        </div>
        <div className="field">
          <label htmlFor={`price-${sku}`}>Price ({product.data.currency})</label>
          <input
            id={`price-${sku}`}
            name="price"
            {...marked('price')}
            inputMode="decimal"
            autoComplete="off"
            defaultValue={(product.data.priceCents / 10 ** digits).toFixed(digits)}
            required
          />
          {at('price')}
        </div>
        <div className="field">
          <label htmlFor={`category-${sku}`}>Category</label>
          <select id={`category-${sku}`} name="category" {...marked('category')} defaultValue={product.data.category} required>
            <CategoryOptions categories={categories.data.items} />
          </select>
          {at('category')}
        </div>
        <div className="field">
          <label htmlFor={`threshold-${sku}`}>Low-stock threshold</label>
          <input
            id={`threshold-${sku}`}
            name="threshold"
            {...marked('threshold')}
            type="number"
            min={0}
            defaultValue={product.data.lowStockThreshold}
            required
          />
          {at('threshold')}
        </div>
      </div>
      <div className="field">
        <label htmlFor={`description-${sku}`}>Description</label>
        <textarea
          id={`description-${sku}`}
          name="description"
          {...marked('description')}
          defaultValue={product.data.description}
          rows={2}
          maxLength={5_000}
        />
        {at('description')}
      </div>
      <div className="field">
        <button type="submit" disabled={save.isPending}>
          Save product
        </button>
        {at()}
      </div>
    </form>
  );
}

export function InventoryPage() {
  const [page, setPage] = useState(1);
  const [low, setLow] = useState(false);
  /** What the list is narrowed to (SKU or title); empty: every product. */
  const [q, setQ] = useState('');
  const [editing, setEditing] = useState<string>();
  const [creating, setCreating] = useState(false);
  const [creatingCategory, setCreatingCategory] = useState(false);
  /** Says what a change came to, and takes the focus: the button pressed was disabled while it was sent, a row's editor may have closed. */
  const { show, clear, notice } = useOutcomeNotice();
  /** How many changes have succeeded on this page: a row's forms drop their refusals after each. */
  const [settled, setSettled] = useState(0);
  const done = (text: string) => {
    show(text, 'ok');
    setSettled((count) => count + 1);
  };
  // A change sent takes the last one's notice away: it no longer says where things stand, and beside
  // a refusal of the new change it read as if that had been done too.
  const sending = useIsMutating();
  useEffect(() => {
    if (sending > 0) clear();
  }, [sending, clear]);
  const inventory = useQuery({
    queryKey: ['admin', 'inventory', { page, low, q }],
    queryFn: () =>
      unwrap(
        api.GET('/api/admin/inventory', {
          params: { query: { page, limit: PAGE_SIZE, ...(low ? { low: 'true' as const } : {}), ...(q ? { q } : {}) } },
        }),
      ),
    // Orders reserve and sell units while the list is open (a flash sale is when it is watched):
    // read again, as the orders and dead letters are. The product and delta forms keep what was
    // typed; an on-hand field whose figure moved shows the new one (it is set against it).
    refetchInterval: 10_000,
  });
  const search = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    setQ(String(new FormData(event.currentTarget).get('q') ?? '').trim());
    setPage(1);
  };
  return (
    <>
      <h1>Products and stock</h1>
      {notice}
      <p className="inline">
        <button type="button" className="secondary" aria-expanded={creating} onClick={() => setCreating(!creating)}>
          New product
        </button>
        <button type="button" className="secondary" aria-expanded={creatingCategory} onClick={() => setCreatingCategory(!creatingCategory)}>
          New category
        </button>
      </p>
      {creatingCategory && <NewCategoryForm onCreated={done} />}
      {creating && <NewProductForm onCreated={done} />}
      <search className="search">
        <form aria-label="Find products" onSubmit={search}>
          <label htmlFor="inventory-search" className="visually-hidden">
            SKU or title contains
          </label>
          <input id="inventory-search" name="q" type="search" placeholder="SKU or title" maxLength={100} />
          <button type="submit" className="secondary">
            Find
          </button>
        </form>
      </search>
      {q && (
        <p>
          Products whose SKU or title contains “{q}”{inventory.data ? `: ${inventory.data.total}` : ''}.
        </p>
      )}
      <p className="check">
        <input
          id="low-only"
          type="checkbox"
          checked={low}
          onChange={(event) => {
            setLow(event.target.checked);
            setPage(1);
          }}
        />
        <label htmlFor="low-only" style={{ margin: 0 }}>
          Low stock only
        </label>
      </p>
      {inventory.isPending && <Loading what="the inventory" />}
      {inventory.error && <LoadError error={inventory.error} retry={() => void inventory.refetch()} />}
      {inventory.data && (
        <div className="table-wrap">
          {/* Without the vendors' units, Available did not add up from the figures beside it. */}
          <p className="muted" id="inventory-legend">
            Available is on hand plus the vendors' units, less what is reserved. Gate is what Redis still lets buyers reserve; drift is how far it is
            from Available.
          </p>
          <table aria-describedby="inventory-legend">
            <caption className="visually-hidden">Stock per SKU: the Postgres ledger and the Redis gate</caption>
            <thead>
              <tr>
                <th scope="col">SKU</th>
                <th scope="col">Product</th>
                <th scope="col" className="num">
                  Vendors
                </th>
                <th scope="col" className="num">
                  Reserved
                </th>
                <th scope="col" className="num">
                  Sold
                </th>
                <th scope="col" className="num">
                  Available
                </th>
                <th scope="col" className="num">
                  Gate
                </th>
                <th scope="col" className="num">
                  Drift
                </th>
                <th scope="col">On hand</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {inventory.data.items.map((item) => {
                const isLow = item.available <= item.lowStockThreshold;
                return [
                  <tr key={item.sku} className={isLow ? 'low' : undefined} data-sku={item.sku}>
                    <td className="sku">{item.sku}</td>
                    <td className="title">
                      {item.title}
                      {isLow && <div className="stock low">{item.available <= 0 ? 'Sold out' : `Low (≤ ${item.lowStockThreshold})`}</div>}
                    </td>
                    <td className="num" data-testid="vendor-on-hand">
                      {item.vendorOnHand}
                    </td>
                    <td className="num">{item.reserved}</td>
                    <td className="num">{item.sold}</td>
                    <td className="num" data-testid="available">
                      {item.available}
                    </td>
                    <td className="num">{item.gateAvailable}</td>
                    <td className="num">{item.drift}</td>
                    <td>
                      <StockEditor key={`${item.sku}-${item.onHand}`} item={item} onDone={done} settled={settled} />
                    </td>
                    <td>
                      <button
                        type="button"
                        className="secondary small"
                        aria-expanded={editing === item.sku}
                        onClick={() => setEditing(editing === item.sku ? undefined : item.sku)}
                      >
                        Edit<span className="visually-hidden"> {item.sku}</span>
                      </button>
                    </td>
                  </tr>,
                  editing === item.sku && (
                    <tr key={`${item.sku}-edit`}>
                      <td colSpan={10}>
                        <div className="row-editor">
                          <ProductEditor sku={item.sku} onDone={done} settled={settled} />
                          <StockAdjustForm sku={item.sku} onDone={done} settled={settled} />
                          <DeleteProduct
                            sku={item.sku}
                            title={item.title}
                            onDeleted={(deleted) => {
                              setEditing(undefined);
                              done(deleted);
                            }}
                          />
                        </div>
                      </td>
                    </tr>
                  ),
                ];
              })}
            </tbody>
          </table>
          <Pager page={page} limit={PAGE_SIZE} total={inventory.data.total} onPage={setPage} />
        </div>
      )}
    </>
  );
}
