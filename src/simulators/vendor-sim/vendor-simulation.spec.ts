import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { DEFAULT_VENDOR_STOCK, defaultSimulatedVendors } from './default-vendors.js';
import { VendorSimulation } from './vendor-simulation.js';

const order = (lineId: string, sku: string, quantity: number) => ({ lineId, sku, quantity });

describe('VendorSimulation.place', () => {
  it('takes stock once per line id and answers a repeat with the first order', () => {
    const vendor = new VendorSimulation('acme', { A: 10 });
    const first = vendor.place(order('line-1', 'A', 3));
    const repeat = vendor.place(order('line-1', 'A', 3));
    expect(first).toMatchObject({ kind: 'placed', replayed: false, order: { vendorOrderId: 'acme-000001', lineId: 'line-1' } });
    expect(repeat).toEqual({ kind: 'placed', replayed: true, order: first.kind === 'placed' ? first.order : undefined });
    expect(vendor.items()).toEqual([{ sku: 'A', available: 7 }]);
  });

  it('refuses a line id that placed another SKU or quantity, and takes nothing', () => {
    const vendor = new VendorSimulation('acme', { A: 10, B: 10 });
    vendor.place(order('line-1', 'A', 3));
    expect(vendor.place(order('line-1', 'A', 4))).toMatchObject({ kind: 'line-id-reused', order: { sku: 'A', quantity: 3 } });
    expect(vendor.place(order('line-1', 'B', 3))).toMatchObject({ kind: 'line-id-reused' });
    expect(vendor.items()).toEqual([
      { sku: 'A', available: 7 },
      { sku: 'B', available: 10 },
    ]);
  });

  it('refuses an unknown SKU and a short one without remembering the refusal', () => {
    const vendor = new VendorSimulation('acme', { A: 2 });
    expect(vendor.place(order('line-1', 'Z', 1))).toEqual({ kind: 'unknown-sku' });
    expect(vendor.place(order('line-2', 'A', 3))).toEqual({ kind: 'insufficient-stock', available: 2 });
    vendor.setStock([{ sku: 'A', available: 5 }]);
    expect(vendor.place(order('line-2', 'A', 3))).toMatchObject({ kind: 'placed', replayed: false });
    expect(vendor.items()).toEqual([{ sku: 'A', available: 2 }]);
  });
});

describe('VendorSimulation faults', () => {
  it('fluctuates the same way for the same seed and never below zero', () => {
    const seed = { A: 0, B: 1, C: 50 };
    const one = new VendorSimulation('one', seed, 42);
    const two = new VendorSimulation('two', seed, 42);
    const other = new VendorSimulation('other', seed, 7);
    const trail: number[][] = [];
    for (let step = 0; step < 200; step++) {
      for (const vendor of [one, two, other]) vendor.fluctuate(5);
      trail.push(one.items().map((item) => item.available));
      expect(one.items()).toEqual(two.items());
    }
    expect(trail.flat().every((available) => available >= 0)).toBe(true);
    expect(new Set(trail.map((counts) => counts.join())).size).toBeGreaterThan(1);
    expect(other.items()).not.toEqual(one.items());
  });

  it('ends an outage when its time has passed', () => {
    let now = 1_000_000;
    const vendor = new VendorSimulation('acme', {}, 1, () => now);
    vendor.startOutage(2, 'drop');
    expect(vendor.activeOutage()).toBe('drop');
    expect(vendor.faults().outage).toEqual({ until: new Date(1_002_000).toISOString(), mode: 'drop' });
    now += 2_000;
    expect(vendor.activeOutage()).toBeUndefined();
    expect(vendor.faults().outage).toBeNull();
  });

  it('answers each kind of garbage in turn in mixed mode, and the stock again once it is off', () => {
    const vendor = new VendorSimulation('acme', { A: 4, B: 2 });
    vendor.setGarbage('mixed');
    const texts = [0, 1, 2].map(() => {
      const answer = vendor.stockAnswer();
      if (answer.kind !== 'garbage') throw new Error('expected garbage');
      return answer.text;
    });
    expect(() => JSON.parse(texts[0]!)).toThrow();
    expect(JSON.parse(texts[1]!).items[0]).toEqual({ sku: 'A', available: -9 });
    expect(JSON.parse(texts[2]!).items[0]).toEqual({ sku: 'A', available: '4' });
    vendor.resetFaults();
    expect(vendor.stockAnswer()).toMatchObject({
      kind: 'stock',
      items: [
        { sku: 'A', available: 4 },
        { sku: 'B', available: 2 },
      ],
    });
  });

  it('draws simulated errors at the configured rate only', () => {
    const vendor = new VendorSimulation('acme', {});
    const draws = (rate: number) => {
      vendor.setErrorRate(rate);
      return Array.from({ length: 1_000 }, () => vendor.drawError()).filter(Boolean).length;
    };
    expect(draws(0)).toBe(0);
    expect(draws(1)).toBe(1_000);
    expect(draws(0.3)).toBeGreaterThan(200);
    expect(draws(0.3)).toBeLessThan(400);
  });
});

describe('defaultSimulatedVendors', () => {
  it('puts the vendors on consecutive ports from the base, or on free ports for 0', () => {
    expect(defaultSimulatedVendors(3200).map(({ name, port }) => [name, port])).toEqual([
      ['acme', 3200],
      ['globex', 3201],
    ]);
    expect(defaultSimulatedVendors(0).every(({ port }) => port === 0)).toBe(true);
  });

  it('overlaps the demo catalog: SKUs at both vendors, at one, at none, and some the catalog lacks', () => {
    // The seed's SKUs as written in its source, so a change to the demo catalog shows here.
    const catalog = new Set(
      [...readFileSync(new URL('../../db/seed.ts', import.meta.url), 'utf8').matchAll(/\['([A-Z]+-\d{3})'/g)].map((m) => m[1] as string),
    );
    const [acme, globex] = [Object.keys(DEFAULT_VENDOR_STOCK.acme!), Object.keys(DEFAULT_VENDOR_STOCK.globex!)];
    const both = acme.filter((sku) => globex.includes(sku));
    expect(catalog.size).toBe(30);
    expect(both).toContain('FLASH-001');
    expect(both.every((sku) => catalog.has(sku))).toBe(true);
    expect(acme.filter((sku) => catalog.has(sku) && !both.includes(sku)).length).toBeGreaterThan(1);
    expect(globex.filter((sku) => catalog.has(sku) && !both.includes(sku)).length).toBeGreaterThan(1);
    expect([...catalog].filter((sku) => !acme.includes(sku) && !globex.includes(sku)).length).toBeGreaterThan(10);
    expect([...acme, ...globex].filter((sku) => !catalog.has(sku))).toEqual(['ACME-9000', 'GLOBEX-X42']);
  });
});
