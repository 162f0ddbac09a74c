import { sql } from 'kysely';
import type { Db, Executor } from '../../db/database.js';
import type { CreateProductInput, UpdateProductInput } from './catalog.schemas.js';

/** What an order needs to price a line. */
export interface ProductPricing {
  sku: string;
  title: string;
  priceCents: number;
  currency: string;
}

export interface ProductWithStock extends ProductPricing {
  description: string;
  category: string;
  onHand: number;
  reserved: number;
}

export interface ProductSearch {
  category?: string | undefined;
  q?: string | undefined;
  offset: number;
  limit: number;
}

const escapeLike = (text: string) => text.replace(/[\\%_]/g, (c) => `\\${c}`);

export class CatalogRepository {
  constructor(private readonly db: Db) {}

  listCategories() {
    return this.db.selectFrom('categories').select(['slug', 'name']).orderBy('name').execute();
  }

  /** Inserts a category; false when the slug is taken. */
  async insertCategory(slug: string, name: string): Promise<boolean> {
    const inserted = await this.db
      .insertInto('categories')
      .values({ slug, name })
      .onConflict((oc) => oc.column('slug').doNothing())
      .returning('slug')
      .executeTakeFirst();
    return inserted !== undefined;
  }

  async categoryExists(slug: string, executor: Executor = this.db): Promise<boolean> {
    return (await executor.selectFrom('categories').select('slug').where('slug', '=', slug).executeTakeFirst()) !== undefined;
  }

  async searchProducts(search: ProductSearch): Promise<{ rows: ProductWithStock[]; total: number }> {
    let query = this.db
      .selectFrom('products as p')
      .leftJoin('inventory as i', 'i.sku', 'p.sku')
      .where('p.deletedAt', 'is', null);
    if (search.category) query = query.where('p.categorySlug', '=', search.category);
    if (search.q) {
      const pattern = `%${escapeLike(search.q)}%`;
      query = query.where((eb) => eb.or([eb('p.title', 'ilike', pattern), eb('p.sku', 'ilike', pattern)]));
    }
    const [rows, count] = await Promise.all([
      query
        .select([
          'p.sku',
          'p.title',
          'p.description',
          'p.categorySlug as category',
          'p.priceCents',
          'p.currency',
          sql<number>`coalesce(i.on_hand, 0)`.as('onHand'),
          sql<number>`coalesce(i.reserved, 0)`.as('reserved'),
        ])
        .orderBy('p.title')
        .orderBy('p.sku')
        .offset(search.offset)
        .limit(search.limit)
        .execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  findProduct(sku: string): Promise<ProductWithStock | undefined> {
    return this.db
      .selectFrom('products as p')
      .leftJoin('inventory as i', 'i.sku', 'p.sku')
      .where('p.sku', '=', sku)
      .where('p.deletedAt', 'is', null)
      .select([
        'p.sku',
        'p.title',
        'p.description',
        'p.categorySlug as category',
        'p.priceCents',
        'p.currency',
        sql<number>`coalesce(i.on_hand, 0)`.as('onHand'),
        sql<number>`coalesce(i.reserved, 0)`.as('reserved'),
      ])
      .executeTakeFirst();
  }

  /** Pricing of the live products among `skus` (all live products when omitted). */
  pricing(skus?: string[]): Promise<ProductPricing[]> {
    let query = this.db
      .selectFrom('products')
      .select(['sku', 'title', 'priceCents', 'currency'])
      .where('deletedAt', 'is', null);
    if (skus) query = query.where('sku', 'in', skus);
    return query.execute();
  }

  /** Inserts a product with its inventory row, or brings a deleted SKU back; false when the SKU is live. */
  async insertProduct(executor: Executor, input: CreateProductInput): Promise<boolean> {
    const values = {
      title: input.title,
      description: input.description,
      categorySlug: input.category,
      priceCents: input.priceCents,
      currency: input.currency,
    };
    const written = await executor
      .insertInto('products')
      .values({ sku: input.sku, ...values })
      .onConflict((oc) =>
        oc
          .column('sku')
          .doUpdateSet({ ...values, deletedAt: null, updatedAt: sql`now()` })
          .where('products.deletedAt', 'is not', null),
      )
      .returning('sku')
      .executeTakeFirst();
    if (!written) return false;
    await executor.insertInto('inventory').values({ sku: input.sku }).onConflict((oc) => oc.column('sku').doNothing()).execute();
    return true;
  }

  async updateProduct(executor: Executor, sku: string, input: UpdateProductInput): Promise<boolean> {
    const result = await executor
      .updateTable('products')
      .set({
        ...(input.title !== undefined ? { title: input.title } : {}),
        ...(input.description !== undefined ? { description: input.description } : {}),
        ...(input.category !== undefined ? { categorySlug: input.category } : {}),
        ...(input.priceCents !== undefined ? { priceCents: input.priceCents } : {}),
        ...(input.currency !== undefined ? { currency: input.currency } : {}),
        updatedAt: sql`now()`,
      })
      .where('sku', '=', sku)
      .where('deletedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async softDeleteProduct(sku: string): Promise<boolean> {
    const result = await this.db
      .updateTable('products')
      .set({ deletedAt: sql`now()`, updatedAt: sql`now()` })
      .where('sku', '=', sku)
      .where('deletedAt', 'is', null)
      .executeTakeFirst();
    return result.numUpdatedRows > 0n;
  }

  async countProducts(): Promise<number> {
    const row = await this.db.selectFrom('products').select((eb) => eb.fn.countAll<number>().as('n')).executeTakeFirstOrThrow();
    return row.n;
  }
}
