import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createProduct, inventoryOf } from './support/fixtures.js';
import { type Api, guests } from './support/http.js';
import { mailsTo } from './support/payments.js';
import { ADMIN, useSystem } from './support/system.js';
import { simulatedVendor } from './support/vendors.js';

describe('low-stock alerts', () => {
  const sut = useSystem({ api: true, worker: true, mailSink: true }, { EXPIRY_SWEEP_INTERVAL_MS: '3600000' });

  /** A PENDING order of a new guest (who gave `customerEmail`, if any): its units are held. */
  async function heldOrder(sku: string, quantity: number, customerEmail?: string): Promise<{ id: string; buyer: Api }> {
    const [buyer] = await guests(sut.system.url!, 1);
    const placed = await buyer!.order([{ sku, quantity }], `low-${randomBytes(4).toString('hex')}`, customerEmail ? { customerEmail } : {});
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

  it('does not alert the admins again when stock comes back only just above its threshold, short of the re-arm margin', async () => {
    // Threshold 5: re-armed only at 7 or more (a fifth of the threshold above it, at least one unit).
    const sku = await createProduct(sut.admin, { onHand: 22, title: 'Swinging kettle' });
    const alerts = new RegExp(`^Low stock: ${sku} `);
    /** Confirms a held order whose buyer gave an address; returns once the job that checked its stock has run. */
    const confirmTold = async (order: { id: string }, email: string) => {
      expect((await sut.admin.patch(`/api/admin/orders/${order.id}`, { status: 'CONFIRMED' })).status).toBe(200);
      // The buyer's invoice is queued by the job that checked this sale's stock.
      await mailsTo(sut.admin, email, /^Order .* confirmed: invoice$/, 1);
    };
    const small = await heldOrder(sku, 2);
    const large = await heldOrder(sku, 4);
    const heldEmail = `held-${randomBytes(4).toString('hex')}@example.test`;
    const held = await heldOrder(sku, 2, heldEmail);

    await confirmedSale(sku, 10);
    const [first] = await mailsTo(sut.admin, ADMIN.email, alerts, 1);
    expect(first!.subject).toBe(`Low stock: ${sku} (4 left)`);

    // An expiring hold's worth back: 6, one above the threshold. Neither the units given back nor a
    // sale that then finds the SKU at 6 (a held order confirmed leaves the availability as it is)
    // re-arm it, so the sale that takes it to 4 again alerts nobody.
    expect((await small.buyer.post(`/api/orders/${small.id}/cancel`, {})).status).toBe(200);
    expect((await inventoryOf(sut.admin, sku)).available).toBe(6);
    // Nor does an edit that sends the threshold unchanged (the admin's screen sends it with every edit).
    expect((await sut.admin.patch(`/api/admin/products/${sku}`, { title: 'Swinging kettle, blue', lowStockThreshold: 5 })).status).toBe(200);
    await confirmTold(held, heldEmail);
    const dipEmail = `dip-${randomBytes(4).toString('hex')}@example.test`;
    await confirmTold(await heldOrder(sku, 2, dipEmail), dipEmail);
    expect((await inventoryOf(sut.admin, sku)).available).toBe(4);

    // Clear of the margin (8), then under the threshold again: alerted.
    expect((await large.buyer.post(`/api/orders/${large.id}/cancel`, {})).status).toBe(200);
    expect((await inventoryOf(sut.admin, sku)).available).toBe(8);
    await confirmedSale(sku, 5);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (3 left)`, `Low stock: ${sku} (4 left)`]);
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

    // Still low: no second alert, nor after a count one above the threshold, short of the re-arm
    // margin (7 at threshold 5), and one under it again. Clear of it, then low again: alerted.
    await recount(2);
    await recount(6);
    await recount(3);
    await recount(30);
    await recount(1);
    const both = await mailsTo(sut.admin, ADMIN.email, alerts, 2);
    expect(both.map((mail) => mail.subject)).toEqual([`Low stock: ${sku} (1 left)`, `Low stock: ${sku} (4 left)`]);
  });
});
