import { useMutation, useQueryClient } from '@tanstack/react-query';
import { type FormEvent, useState } from 'react';
import { api, type RequestBody, unwrap } from '../api/client';
import { type FormFields, fieldRefusal, labelsOf, messageOf, refusedField } from './refusal';

type NewCategory = RequestBody<'/api/admin/categories', 'post'>;

const CATEGORY_FIELDS: FormFields = {
  '/name': { name: 'name', label: 'Name' },
  '/slug': { name: 'slug', label: 'Slug' },
};
const CATEGORY_LABELS = labelsOf(CATEGORY_FIELDS);

/** What the catalog's schema takes for a slug (src/modules/catalog/catalog.schemas.ts), so the browser says so before the server does. */
const SLUG_PATTERN = '[a-z0-9][a-z0-9\\-]{0,63}';

/** The slug a name suggests: "Garden & Patio" → "garden-patio". */
export function slugOf(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .slice(0, 64)
    .replace(/^-+|-+$/g, '');
}

/**
 * Creates a category; its slug follows the name until the admin types one. Once created it is in
 * every category list at once (the new-product form's and the product editors'), and the form empties.
 */
export function NewCategoryForm({ onCreated }: { onCreated: (message: string) => void }) {
  const queryClient = useQueryClient();
  const [name, setName] = useState('');
  /** The slug the admin typed; until then, the name's (slugOf). */
  const [typedSlug, setTypedSlug] = useState<string>();
  const create = useMutation({
    mutationFn: (body: NewCategory) => unwrap(api.POST('/api/admin/categories', { body })),
    // The category lists open on the page (the new-product form's, the product editors') are read
    // again before the form says it is done, so the new category is in them as it says so.
    onSuccess: async (category) => {
      await queryClient.invalidateQueries({ queryKey: ['categories'] });
      setName('');
      setTypedSlug(undefined);
      onCreated(`Category ${category.name} (${category.slug}) created.`);
    },
  });
  const slug = typedSlug ?? slugOf(name);
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    create.mutate({ name: name.trim(), slug });
  };
  const problem = create.error ? messageOf(create.error, undefined, CATEGORY_LABELS) : undefined;
  const { marked, at } = fieldRefusal(problem, refusedField(create.error, CATEGORY_FIELDS), 'new-category-problem');
  return (
    <form onSubmit={submit} className="card" aria-label="New category">
      <div className="form-grid">
        <div className="field">
          <label htmlFor="new-category-name">Name</label>
          <input
            id="new-category-name"
            name="name"
            {...marked('name')}
            required
            maxLength={100}
            value={name}
            onChange={(event) => setName(event.target.value)}
          />
          {at('name')}
        </div>
        <div className="field">
          <label htmlFor="new-category-slug">
            Slug <small>(in the shop's addresses)</small>
          </label>
          <input
            id="new-category-slug"
            name="slug"
            {...marked('slug')}
            required
            pattern={SLUG_PATTERN}
            maxLength={64}
            title='1-64 lowercase letters, digits or "-"'
            value={slug}
            onChange={(event) => setTypedSlug(event.target.value)}
          />
          {at('slug')}
        </div>
      </div>
      <button type="submit" disabled={create.isPending}>
        Create category
      </button>
      {at()}
    </form>
  );
}
