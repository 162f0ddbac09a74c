import type { Db, Tx } from '../../db/database.js';
import { AppError, notFound, validationFailed } from '../../lib/errors.js';
import type { Page } from '../../lib/http-schemas.js';
import type { StockStore } from '../../redis/stock-store.js';
import type { InventoryService } from '../inventory/inventory.service.js';
import type { VendorsRepository } from '../vendors/vendors.repository.js';
import type { CatalogRepository, ProductWithStock } from './catalog.repository.js';
import type { CreateCategoryInput, CreateProductInput, Product, ProductListQuery, UpdateProductInput } from './catalog.schemas.js';
import type { ProductCache } from './product-cache.js';

export interface CatalogServiceDeps {
  db: Db;
  repository: CatalogRepository;
  /** Told of every change, so every instance prices from the new values. */
  cache: ProductCache;
  stock: StockStore;
  inventory: InventoryService;
  /** Told of each committed change that carts holding the product must reflect (price, title, currency, deletion). */
  onProductChange?: (sku: string, change: 'changed' | 'deleted') => Promise<void>;
  /** Each SKU's vendor counts, shown in Product.sources. */
  vendorStock: Pick<VendorsRepository, 'stockOf'>;
  /** A vendor count seen longer ago than this is shown stale (and does not count). */
  vendorStaleAfterMs: number;
}

const productExists = (sku: string) => new AppError('CONFLICT', `product ${sku} already exists`, { sku });

/** Categories and products: what the storefront lists and what an admin creates, changes and removes. */
export class CatalogService {
  private readonly db: Db;
  private readonly repository: CatalogRepository;
  private readonly cache: ProductCache;
  private readonly stock: StockStore;
  private readonly inventory: InventoryService;
  private readonly onProductChange: CatalogServiceDeps['onProductChange'];
  private readonly vendorStock: Pick<VendorsRepository, 'stockOf'>;
  private readonly vendorStaleAfterMs: number;

  constructor(deps: CatalogServiceDeps) {
    this.db = deps.db;
    this.repository = deps.repository;
    this.cache = deps.cache;
    this.stock = deps.stock;
    this.inventory = deps.inventory;
    this.onProductChange = deps.onProductChange;
    this.vendorStock = deps.vendorStock;
    this.vendorStaleAfterMs = deps.vendorStaleAfterMs;
  }

  async categories() {
    return { items: await this.repository.listCategories() };
  }

  async createCategory(input: CreateCategoryInput) {
    if (!(await this.repository.insertCategory(input.slug, input.name))) {
      throw new AppError('CONFLICT', `category ${input.slug} already exists`, { slug: input.slug });
    }
    return input;
  }

  async products(query: ProductListQuery): Promise<Page<Product>> {
    const { rows, total } = await this.repository.searchProducts({
      category: query.category,
      q: query.q,
      offset: (query.page - 1) * query.limit,
      limit: query.limit,
    });
    return { items: await this.withAvailability(rows), page: query.page, limit: query.limit, total };
  }

  async product(sku: string): Promise<Product> {
    const row = await this.repository.findProduct(sku);
    if (!row) throw notFound('product', { sku });
    const [product] = await this.withAvailability([row]);
    return product!;
  }

  /**
   * Creates a product with its stock in one transaction, or brings a deleted SKU back. Bringing one
   * back with `onHand` is one transaction with the stock change, so a count the ledger or the gate
   * refuses (below what its orders hold, accepted ones still on their way included) changes nothing.
   */
  async create(input: CreateProductInput, actorId: string): Promise<Product> {
    if (!(await this.repository.categoryExists(input.category))) {
      throw validationFailed(`unknown category ${input.category}`, { category: input.category });
    }
    const outcome = await this.db.transaction().execute(async (tx) => {
      const existing = await this.repository.findForUpdate(tx, input.sku);
      if (!existing) {
        if (!(await this.repository.insertProduct(tx, input, actorId))) throw productExists(input.sku);
        await this.inventory.announceNewStock(tx, input.sku, input.onHand ?? 0);
        return 'created';
      }
      if (!existing.deletedAt) throw productExists(input.sku);
      if (input.onHand !== undefined) return 'revive-with-stock';
      await this.revive(tx, input);
      return 'revived';
    });
    try {
      if (outcome === 'revive-with-stock') {
        // The gate moves before the commit and refuses what it cannot give: the revival goes in the
        // same transaction, under the ledger row lock, so it commits only with the new count.
        await this.inventory.setOnHand(input.sku, input.onHand!, actorId, 'product restored', (tx) => this.reviveDeleted(tx, input));
      }
    } finally {
      // Whatever committed (even when the commit's outcome is unknown), every instance reads it again.
      await this.cache.invalidate(input.sku);
    }
    return this.product(input.sku);
  }

  /** Brings back a product still deleted; one brought back meanwhile by another request is a CONFLICT. */
  private async reviveDeleted(tx: Tx, input: CreateProductInput): Promise<void> {
    const existing = await this.repository.findForUpdate(tx, input.sku);
    if (!existing?.deletedAt) throw productExists(input.sku);
    await this.revive(tx, input);
  }

  /** A revival sets the product's low-stock threshold anew, so an alert raised under the old one is re-armed as a PATCH's would be. */
  private async revive(tx: Tx, input: CreateProductInput): Promise<void> {
    await this.repository.reviveProduct(tx, input);
    await this.inventory.rearmLowStock(tx, input.sku);
  }

  async update(sku: string, input: UpdateProductInput): Promise<Product> {
    if (input.category !== undefined && !(await this.repository.categoryExists(input.category))) {
      throw validationFailed(`unknown category ${input.category}`, { category: input.category });
    }
    const updated = await this.db.transaction().execute(async (tx) => {
      const threshold = input.lowStockThreshold;
      const before = threshold === undefined ? undefined : await this.repository.findForUpdate(tx, sku);
      if (!(await this.repository.updateProduct(tx, sku, input))) return false;
      // A threshold lowered: an alert raised under the higher one would otherwise silence the crossing
      // of the new one. Only then: the admin's screen sends the threshold with every edit, and a re-arm
      // at one unit above on each would undo the margin stock moving on its own is held to.
      if (threshold !== undefined && before && threshold < before.lowStockThreshold) await this.inventory.rearmLowStock(tx, sku);
      return true;
    });
    if (!updated) throw notFound('product', { sku });
    await this.cache.invalidate(sku);
    if (input.priceCents !== undefined || input.title !== undefined || input.currency !== undefined) await this.onProductChange?.(sku, 'changed');
    return this.product(sku);
  }

  /** Takes a product off the catalog. Orders already holding it keep their reservation. */
  async remove(sku: string): Promise<void> {
    if (!(await this.repository.softDeleteProduct(sku))) throw notFound('product', { sku });
    await this.cache.invalidate(sku);
    await this.onProductChange?.(sku, 'deleted');
  }

  /**
   * `available` is what the gate admits (a gate not loaded yet falls back to the ledger);
   * `sources` are the warehouse's units on hand and each enabled vendor's last count, stale when
   * it is too old to count.
   */
  private async withAvailability(rows: ProductWithStock[]): Promise<Product[]> {
    const skus = rows.map((row) => row.sku);
    const [gates, vendorStock] = await Promise.all([this.stock.gates(skus), this.vendorStock.stockOf(skus, this.vendorStaleAfterMs)]);
    return rows.map((row, i) => {
      const available = gates[i] ?? Math.max(0, row.onHand + row.vendorOnHand - row.reserved);
      const vendors = vendorStock
        .filter((count) => count.sku === row.sku)
        .map((count) => ({ source: count.vendor, available: count.available, stale: count.stale }));
      return {
        sku: row.sku,
        title: row.title,
        description: row.description,
        category: row.category,
        priceCents: row.priceCents,
        currency: row.currency,
        available,
        sources: [{ source: 'local', available: row.onHand, stale: false }, ...vendors],
        lowStockThreshold: row.lowStockThreshold,
      };
    });
  }
}
