import { sql } from 'kysely';
import type { Db } from './database.js';

/** The demo catalog `npm start` shows on an empty database. */
const CATEGORIES = [
  { slug: 'electronics', name: 'Electronics' },
  { slug: 'books', name: 'Books' },
  { slug: 'home', name: 'Home & Kitchen' },
  { slug: 'outdoors', name: 'Outdoors' },
  { slug: 'toys', name: 'Toys & Games' },
];

type Seed = [sku: string, title: string, category: string, priceCents: number, onHand: number, description: string];

const PRODUCTS: Seed[] = [
  ['FLASH-001', 'Limited Edition Mechanical Keyboard', 'electronics', 4_900, 10, 'Flash sale: a few units only, first come first served.'],
  ['ELEC-001', 'Wireless Earbuds', 'electronics', 5_999, 120, 'Noise-cancelling earbuds with a 24-hour case.'],
  ['ELEC-002', 'USB-C Charger 65 W', 'electronics', 3_499, 300, 'GaN charger for laptops and phones.'],
  ['ELEC-003', '4K Monitor 27"', 'electronics', 32_900, 25, 'IPS panel, 99% sRGB, USB-C input.'],
  ['ELEC-004', 'Portable SSD 1 TB', 'electronics', 10_900, 80, 'Pocket-sized, 1,050 MB/s.'],
  ['ELEC-005', 'Smart Watch', 'electronics', 19_900, 40, 'Heart rate, GPS and a week of battery.'],
  ['ELEC-006', 'Bluetooth Speaker', 'electronics', 7_900, 60, 'Waterproof speaker with 12 hours of play.'],
  ['ELEC-007', 'Webcam 1080p', 'electronics', 4_500, 90, 'Autofocus webcam with privacy shutter.'],
  ['BOOK-001', 'Designing Data-Intensive Applications', 'books', 4_200, 50, 'The big ideas behind reliable, scalable systems.'],
  ['BOOK-002', 'The Pragmatic Programmer', 'books', 3_900, 45, 'From journeyman to master.'],
  ['BOOK-003', 'Database Internals', 'books', 4_600, 30, 'How distributed data systems work.'],
  ['BOOK-004', 'Release It!', 'books', 3_700, 35, 'Design and deploy production-ready software.'],
  ['BOOK-005', 'Refactoring', 'books', 4_400, 28, 'Improving the design of existing code.'],
  ['BOOK-006', 'The Art of PostgreSQL', 'books', 3_500, 22, 'SQL for application developers.'],
  ['HOME-001', 'Pour-Over Coffee Set', 'home', 3_200, 70, 'Dripper, carafe and filters.'],
  ['HOME-002', 'Cast Iron Skillet', 'home', 2_900, 55, 'Pre-seasoned, 26 cm.'],
  ['HOME-003', "Chef's Knife", 'home', 8_900, 40, 'German steel, 20 cm blade.'],
  ['HOME-004', 'Linen Bed Set', 'home', 12_900, 20, 'Stonewashed linen, double.'],
  ['HOME-005', 'Desk Lamp', 'home', 4_900, 65, 'Dimmable LED with warm and cold light.'],
  ['HOME-006', 'Air Purifier', 'home', 15_900, 18, 'HEPA filter for rooms up to 40 m².'],
  ['OUT-001', 'Trail Running Shoes', 'outdoors', 12_900, 48, 'Grippy soles for wet rock.'],
  ['OUT-002', 'Two-Person Tent', 'outdoors', 24_900, 15, 'Freestanding, 1.9 kg.'],
  ['OUT-003', 'Insulated Bottle', 'outdoors', 2_500, 200, 'Keeps drinks cold for 24 hours.'],
  ['OUT-004', 'Headlamp', 'outdoors', 3_900, 85, '400 lumens, rechargeable.'],
  ['OUT-005', 'Daypack 25 L', 'outdoors', 7_900, 42, 'Ventilated back panel, rain cover included.'],
  ['TOY-001', 'Wooden Train Set', 'toys', 5_900, 33, '48 pieces of beech wood.'],
  ['TOY-002', 'Strategy Board Game', 'toys', 4_900, 27, 'Two to five players, 60 minutes.'],
  ['TOY-003', '1000-Piece Puzzle', 'toys', 1_900, 64, 'A night sky over the Alps.'],
  ['TOY-004', 'Building Blocks Starter Kit', 'toys', 3_900, 58, '500 bricks in 20 colours.'],
  ['TOY-005', 'Remote Control Car', 'toys', 6_900, 24, 'Off-road, 25 km/h.'],
];

/** Seeds categories, products and their stock when the catalog is empty; true when it did. */
export async function seedDemoCatalog(db: Db): Promise<boolean> {
  return db.transaction().execute(async (tx) => {
    // Several processes starting together on an empty database: one seeds, the others see its rows.
    await sql`SELECT pg_advisory_xact_lock(hashtext('flashcart:seed-demo-catalog'))`.execute(tx);
    const existing = await tx.selectFrom('products').select('sku').limit(1).executeTakeFirst();
    if (existing) return false;
    await tx
      .insertInto('categories')
      .values(CATEGORIES)
      .onConflict((oc) => oc.column('slug').doNothing())
      .execute();
    await tx
      .insertInto('products')
      .values(
        PRODUCTS.map(([sku, title, categorySlug, priceCents, , description]) => ({
          sku,
          title,
          categorySlug,
          priceCents,
          currency: 'EUR',
          description,
        })),
      )
      .execute();
    await tx
      .insertInto('inventory')
      .values(PRODUCTS.map(([sku, , , , onHand]) => ({ sku, onHand })))
      .execute();
    await tx
      .insertInto('inventoryMovements')
      .values(PRODUCTS.map(([sku, , , , onHand]) => ({ sku, onHandDelta: onHand, reason: 'demo catalog' })))
      .execute();
    return true;
  });
}
