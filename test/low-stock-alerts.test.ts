import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Api, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { ADMIN, useSystem } from './support/system.js';
import { simulatedVendor } from './support/vendors.js';

describe('low-stock alerts', () => {
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  /** A PENDING order of a new guest: its units are held. */
  async function heldOrder(sku: string, quantity: number): Promise<{ id: string; buyer: Api }> {
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity }], `low-${randomBytes(4).toString('hex')}`);
    expect(placed.status).toBe(202);
    return { id: placed.body.id, buyer: buyer! };
  }

  /** An order of a new guest, confirmed by the admin: its units are sold. */
  async function confirmedSale(sku: string, quantity: number): Promise<void> {
    const { id } = await heldOrder(sku, quantity);
    expect((await sut.admin.patch(`/api/admin/orders/${id}`, { status: 'CONFIRMED' })).status).toBe(200);
  }

  it('alerts the admins again when a restocked SKU is taken under its threshold by the first sale after the restock', async () => {
    // Threshold 5 (the default).
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Restocked kettle' });
    const alerts = new RegExp(`^Low stock: ${sku} `);

    await confirmedSale(sku, 6);
    const [first] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(first!.subject).toBe(`Low stock: ${sku} (4 left)`);

    expect((await sut.admin.put(`/api/admin/inventory/${sku}`, { onHand: 30 })).status).toBe(200);
    expect((await inventoryOf(sut.admin, sku)).available).toBe(30);

    await confirmedSale(sku, 27);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (3 left)`, `Low stock: ${sku} (4 left)`]);
  });

  it('alerts the admins again when units given back by a cancelled order take the SKU above its threshold and a sale under it again', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Given-back kettle' });
    const alerts = new RegExp(`^Low stock: ${sku} `);

    const held = await heldOrder(sku, 6);
    await confirmedSale(sku, 1);
    const [first] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(first!.subject).toBe(`Low stock: ${sku} (3 left)`);

    expect((await held.buyer.post(`/api/orders/${held.id}/cancel`, {})).status).toBe(200);
    expect((await inventoryOf(sut.admin, sku)).available).toBe(9);

    await confirmedSale(sku, 5);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (4 left)`, `Low stock: ${sku} (3 left)`]);
  });

  it('alerts the admins again when a lowered threshold leaves the SKU above it and a sale takes it to the new threshold', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Re-thresholded kettle' });
    const alerts = new RegExp(`^Low stock: ${sku} `);

    await confirmedSale(sku, 6);
    const [first] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(first!.subject).toBe(`Low stock: ${sku} (4 left)`);

    expect((await sut.admin.patch(`/api/admin/products/${sku}`, { lowStockThreshold: 2 })).status).toBe(200);
    const low = await sut.admin.get(`/api/admin/inventory?low=true&q=${sku}`);
    expect(low.body.total).toBe(0);

    await confirmedSale(sku, 2);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (2 left)`, `Low stock: ${sku} (4 left)`]);
  });

  it("counts a SKU's vendor units, as its availability does: a sale of vendor stock far above the threshold alerts nobody", async () => {
    const sku = await createProduct(sut.admin, { onHand: 0, title: 'Vendor kettle' });
    await simulatedVendor(sut.system.container, 'low', { [sku]: 100 });
    expect((await inventoryOf(sut.admin, sku)).available).toBe(100);
    const alerts = new RegExp(`^Low stock: ${sku} `);

    await confirmedSale(sku, 1);
    await confirmedSale(sku, 96);
    const [alert] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(alert!.subject).toBe(`Low stock: ${sku} (3 left)`);
  });

  it('alerts the admins when a vendor recount takes a SKU to its threshold: once while it stays low, again after it recovers', async () => {
    const { container } = sut.system;
    const sku = await createProduct(sut.admin, { onHand: 0, title: 'Recounted kettle' });
    const { row, sim } = await simulatedVendor(container, 'recount', { [sku]: 20 });
    const recount = async (units: number) => {
      sim.simulation.setStock([{ sku, available: units }]);
      await container.vendorSync.sync(row);
      expect((await inventoryOf(sut.admin, sku)).available).toBe(units);
    };
    const alerts = new RegExp(`^Low stock: ${sku} `);

    // No sale: the vendor's own count falls to 4, under the default threshold of 5.
    await recount(4);
    const [first] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(first!.subject).toBe(`Low stock: ${sku} (4 left)`);
    expect(first!.text).toContain('Recounted kettle');

    // Still low: no second alert. Above again, then low again: the second crossing is alerted.
    await recount(2);
    await recount(30);
    await recount(1);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (1 left)`, `Low stock: ${sku} (4 left)`]);
  });
});
