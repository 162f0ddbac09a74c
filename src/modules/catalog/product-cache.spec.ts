import { pino } from 'pino';
import { beforeEach, describe, expect, it } from 'vitest';
import type { CatalogRepository, ProductPricing } from './catalog.repository.js';
import { ProductCache } from './product-cache.js';

/** The catalog table in memory, counting how often the cache reads it. */
class FakeCatalog implements Pick<CatalogRepository, 'pricing'> {
  readonly rows = new Map<string, ProductPricing>();
  readonly reads: (string[] | 'all')[] = [];
  down = false;
  /** The next read's answer is held, as read, until this resolves (a slow query whose rows predate a change). */
  holdNextRead: Promise<void> | undefined;

  async pricing(skus?: string[]): Promise<ProductPricing[]> {
    this.reads.push(skus ?? 'all');
    await new Promise((resolve) => setImmediate(resolve));
    if (this.down) throw Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' });
    const rows = [...this.rows.values()].filter((row) => !skus || skus.includes(row.sku)).map((row) => ({ ...row }));
    const hold = this.holdNextRead;
    this.holdNextRead = undefined;
    await hold;
    return rows;
  }
}

/** A Redis subscriber and publisher in memory: what one instance publishes, every started cache hears. */
class FakeBus {
  private readonly listeners: ((channel: string, message: string) => void)[] = [];
  readonly published: string[] = [];

  subscriber() {
    return {
      on: (event: string, listener: (channel: string, message: string) => void) => {
        if (event === 'message') this.listeners.push(listener);
      },
      subscribe: async () => 1,
      quit: async () => 'OK',
    };
  }

  async publish(channel: string, message: string): Promise<number> {
    this.published.push(message);
    for (const listener of this.listeners) listener(channel, message);
    return this.listeners.length;
  }
}

const product = (sku: string, priceCents: number): ProductPricing => ({ sku, title: `Title ${sku}`, priceCents, currency: 'EUR' });

describe('ProductCache', () => {
  let catalog: FakeCatalog;
  let bus: FakeBus;
  let clock: number;
  const cacheOf = () =>
    new ProductCache({
      repository: catalog,
      publisher: bus as never,
      channel: 'catalog-changed',
      logger: pino({ level: 'silent' }),
      freshForMs: 30_000,
      now: () => clock,
    });

  beforeEach(() => {
    catalog = new FakeCatalog();
    bus = new FakeBus();
    clock = 1_000_000;
    catalog.rows.set('A', product('A', 100));
    catalog.rows.set('B', product('B', 200));
  });

  it('loads the whole catalog at start and prices from memory afterwards', async () => {
    const cache = cacheOf();
    await cache.start(bus.subscriber() as never);
    expect(await cache.get(['B', 'A'])).toEqual([product('B', 200), product('A', 100)]);
    expect(catalog.reads).toEqual(['all']);
  });

  it('reads a SKU it does not know once, however many callers ask at the same moment, and remembers an unknown one', async () => {
    const cache = cacheOf();
    await cache.start(bus.subscriber() as never);
    catalog.rows.set('C', product('C', 300));
    const answers = await Promise.all(Array.from({ length: 10 }, () => cache.get(['C', 'NOPE'])));
    expect(answers.every((answer) => answer[0]?.priceCents === 300 && answer[1] === null)).toBe(true);
    expect(catalog.reads).toEqual(['all', ['C', 'NOPE']]);
    await cache.get(['NOPE']);
    expect(catalog.reads).toHaveLength(2);
  });

  it('forgets a SKU on every instance when one of them announces a change', async () => {
    const [first, second] = [cacheOf(), cacheOf()];
    await first.start(bus.subscriber() as never);
    await second.start(bus.subscriber() as never);
    catalog.rows.set('A', product('A', 150));
    await first.invalidate('A');
    expect(bus.published).toEqual(['A']);
    expect((await second.get(['A']))[0]?.priceCents).toBe(150);
    expect((await first.get(['A']))[0]?.priceCents).toBe(150);
  });

  it('serves a stale entry at once while it refreshes it, and keeps serving it while the catalog cannot be read', async () => {
    const cache = cacheOf();
    await cache.start(bus.subscriber() as never);
    catalog.rows.set('A', product('A', 120));
    clock += 31_000;
    // Stale: answered from memory, refreshed behind the answer.
    expect((await cache.get(['A']))[0]?.priceCents).toBe(100);
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get(['A']))[0]?.priceCents).toBe(120);

    catalog.down = true;
    clock += 31_000;
    expect((await cache.get(['A']))[0]?.priceCents).toBe(120);
    // A SKU never seen cannot be priced without the catalog.
    await expect(cache.get(['NEVER-SEEN'])).rejects.toThrow('ECONNREFUSED');
  });

  it('never keeps what a read saw before a change announced while it ran, even once a newer read is stored', async () => {
    const cache = cacheOf();
    await cache.start(bus.subscriber() as never);
    clock += 31_000;
    let release!: () => void;
    catalog.holdNextRead = new Promise((resolve) => {
      release = resolve;
    });
    // Stale: a background refresh reads A at 100 and is slow to answer.
    expect(cache.peek(['A'])?.[0]?.priceCents).toBe(100);
    await new Promise((resolve) => setImmediate(resolve));
    catalog.rows.set('A', product('A', 400));
    await cache.invalidate('A');
    expect((await cache.get(['A']))[0]?.priceCents).toBe(400);
    release();
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect((await cache.get(['A']))[0]?.priceCents).toBe(400);
    expect(cache.peek(['A'])?.[0]?.priceCents).toBe(400);
  });

  it('leaves out of its first load a product whose change was announced while the catalog was read', async () => {
    const cache = cacheOf();
    let release!: () => void;
    catalog.holdNextRead = new Promise((resolve) => {
      release = resolve;
    });
    const started = cache.start(bus.subscriber() as never);
    for (let i = 0; i < 3; i++) await new Promise((resolve) => setImmediate(resolve));
    catalog.rows.set('A', product('A', 250));
    await bus.publish('catalog-changed', 'A');
    release();
    await started;
    expect(cache.peek(['A'])).toBeUndefined();
    expect((await cache.get(['A', 'B'])).map((pricing) => pricing?.priceCents)).toEqual([250, 200]);
  });

  it('answers a look-up it can make from memory without waiting, and says when it cannot', async () => {
    const cache = cacheOf();
    await cache.start(bus.subscriber() as never);
    expect(cache.peek(['A', 'B'])).toEqual([product('A', 100), product('B', 200)]);
    catalog.rows.set('C', product('C', 300));
    expect(cache.peek(['A', 'C'])).toBeUndefined();
    await cache.get(['C', 'NOPE']);
    expect(cache.peek(['C', 'NOPE'])).toEqual([product('C', 300), null]);
    expect(catalog.reads).toEqual(['all', ['C', 'NOPE']]);
  });
});
