import { sql } from 'kysely';
import { containing, type Db, type Executor, type Tx } from '../../db/database.js';
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
  lowStockThreshold: number;
  onHand: number;
  vendorOnHand: number;
  reserved: number;
}

export interface ProductSearch {
  category?: string | undefined;
  q?: string | undefined;
  offset: number;
  limit: number;
}

/** The columns of a ProductWithStock, from `products as p` left-joined with `inventory as i`. */
const WITH_STOCK_COLUMNS = [
  'p.sku',
  'p.title',
  'p.description',
  'p.categorySlug as category',
  'p.priceCents',
  'p.currency',
  'p.lowStockThreshold',
  sql<number>`coalesce(i.on_hand, 0)`.as('onHand'),
  sql<number>`coalesce(i.vendor_on_hand, 0)`.as('vendorOnHand'),
  sql<number>`coalesce(i.reserved, 0)`.as('reserved'),
] as const;

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

  /** Live products joined with their stock. */
  private liveProducts() {
    return this.db.selectFrom('products as p').leftJoin('inventory as i', 'i.sku', 'p.sku').where('p.deletedAt', 'is', null);
  }

  async searchProducts(search: ProductSearch): Promise<{ rows: ProductWithStock[]; total: number }> {
    let query = this.liveProducts();
    if (search.category) query = query.where('p.categorySlug', '=', search.category);
    if (search.q) {
      const pattern = containing(search.q);
      query = query.where((eb) => eb.or([eb('p.title', 'ilike', pattern), eb('p.sku', 'ilike', pattern)]));
    }
    const [rows, count] = await Promise.all([
      query.select(WITH_STOCK_COLUMNS).orderBy('p.title').orderBy('p.sku').offset(search.offset).limit(search.limit).execute(),
      query.select((eb) => eb.fn.countAll<number>().as('total')).executeTakeFirstOrThrow(),
    ]);
    return { rows, total: count.total };
  }

  findProduct(sku: string): Promise<ProductWithStock | undefined> {
    return this.liveProducts().where('p.sku', '=', sku).select(WITH_STOCK_COLUMNS).executeTakeFirst();
  }

  /** Pricing of the live products among `skus` (all live products when omitted). */
  pricing(skus?: string[]): Promise<ProductPricing[]> {
    let query = this.db.selectFrom('products').select(['sku', 'title', 'priceCents', 'currency']).where('deletedAt', 'is', null);
    if (skus) query = query.where('sku', 'in', skus);
    return query.execute();
  }

  /** The SKU's product row, live or deleted, locked for the rest of the transaction. */
  findForUpdate(tx: Tx, sku: string): Promise<{ deletedAt: Date | null; lowStockThreshold: number } | undefined> {
    return tx.selectFrom('products').select(['deletedAt', 'lowStockThreshold']).where('sku', '=', sku).forUpdate().executeTakeFirst();
  }

  /**
   * A new product with its inventory row holding `onHand` units, recorded as a movement; false when
   * the SKU is taken. A SKU with no row yet has nothing to lock, so two creations of it both get
   * here: the second waits for the first's insert, and writes nothing once it committed.
   */
  async insertProduct(tx: Tx, input: CreateProductInput, actorId: string | null): Promise<boolean> {
    const inserted = await tx
      .insertInto('products')
      .values({
        sku: input.sku,
        title: input.title,
        description: input.description,
        categorySlug: input.category,
        priceCents: input.priceCents,
        currency: input.currency,
        lowStockThreshold: input.lowStockThreshold,
      })
      .onConflict((oc) => oc.column('sku').doNothing())
      .returning('sku')
      .executeTakeFirst();
    if (!inserted) return false;
    const onHand = input.onHand ?? 0;
    await tx.insertInto('inventory').values({ sku: input.sku, onHand }).execute();
    if (onHand > 0) {
      await tx.insertInto('inventoryMovements').values({ sku: input.sku, onHandDelta: onHand, reason: 'product created', actorId }).execute();
    }
    return true;
  }

  /** Brings a deleted product back with new fields; its inventory row is kept as it is. */
  async reviveProduct(tx: Tx, input: CreateProductInput): Promise<void> {
    await tx
      .updateTable('products')
      .set({
        title: input.title,
        description: input.description,
        categorySlug: input.category,
        priceCents: input.priceCents,
        currency: input.currency,
        lowStockThreshold: input.lowStockThreshold,
        deletedAt: null,
        updatedAt: sql`now()`,
      })
      .where('sku', '=', input.sku)
      .execute();
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
        ...(input.lowStockThreshold !== undefined ? { lowStockThreshold: input.lowStockThreshold } : {}),
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
}
