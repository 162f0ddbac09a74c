import { randomUUID } from 'node:crypto';
import type { Job } from 'bullmq';
import type { Frame, Locator, Page, Request } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_LOW_STOCK_THRESHOLD } from '../../src/modules/catalog/catalog.schemas.js';
import { deadLetterOf } from '../../src/modules/failed-jobs/dead-letter.js';
import { createProduct, inventoryOf, uniqueSku } from '../support/fixtures.js';
import { Api, eventually, guests } from '../support/http.js';
import { mailbox, mailsTo, orderPaidAfterCancel } from '../support/payments.js';
import { useSystem } from '../support/system.js';
import { simulatedVendor } from '../support/vendors.js';
import {
  type Browser,
  edgeBrightness,
  ensureWebBuilt,
  focusedText,
  hasFocus,
  launchBrowser,
  orderChangesSent,
  screenshot,
  scrollWidthOf,
  signInAsAdmin,
} from './support/browser.js';
import { SwitchableMailServer } from './support/mail-server.js';

/** The admin console in a real browser, signed in through its own form, against the running system. */

interface DeadLetter {
  id: number;
  jobId: string | null;
  name: string;
  payload: { template?: string; to?: string; text?: string };
  reason: string;
  attempts: number;
  status: string;
}

beforeAll(ensureWebBuilt, 300_000);

async function openInventory(page: Page): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Products and stock' }).click();
  await page.getByRole('heading', { level: 1, name: 'Products and stock' }).waitFor();
}

/** Opens the new-product form on the inventory page and fills it as given; the form, to submit and read. */
async function fillNewProduct(
  page: Page,
  product: { sku: string; title: string; price: string; category: string; onHand: string; description?: string },
): Promise<Locator> {
  await openInventory(page);
  await page.getByRole('button', { name: 'New product' }).click();
  const form = page.getByRole('form', { name: 'New product' });
  await form.getByLabel('SKU').fill(product.sku);
  await form.getByLabel('Title').fill(product.title);
  await form.getByLabel('Price').fill(product.price);
  await form.getByLabel('Category').selectOption({ label: product.category });
  if (product.description) await form.getByLabel('Description').fill(product.description);
  await form.getByLabel('Units on hand').fill(product.onHand);
  return form;
}

/**
 * A SKU for a test that finds its product's row on the inventory list's first page: the list is by
 * SKU, and "A-…" comes before the demo catalog's (BOOK-001 and on) and the other tests' ("T-…").
 */
const firstPageSku = () => uniqueSku('A');

describe('the admin console in a browser', () => {
  // Mail goes to a server the dead-letter test takes down; the vendors are the simulated ones, synced when a test asks.
  const mail = new SwitchableMailServer();
  const sut = useSystem({ api: true, worker: true, pspSim: true, vendorSim: true }, async () => ({
    SEED_DEMO_CATALOG: 'true',
    SMTP_URL: await mail.reserve(),
    VENDOR_SYNC_INTERVAL_SECONDS: '3600',
    VENDOR_TIMEOUT_MS: '1000',
    VENDOR_BREAK_SECONDS: '1',
  }));
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    await mail.start(sut.stores);
    base = sut.system.url!;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
    await mail.close();
  });

  it('is closed to a shopper', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/admin`);
    await page.getByText('This needs an admin account.').waitFor();
    await expect.poll(() => page.title()).toBe('Admin console — flashcart');
    expect(await page.getByRole('navigation', { name: 'Admin' }).count()).toBe(0);
    await page.close();
  });

  it('charts a flash sale on the dashboard: orders accepted and refused', async () => {
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    const sku = await createProduct(sut.admin, { onHand: 3, title: 'Dashboard Drone' });
    const buyers = await guests(base, 5);
    const answers = await Promise.all(buyers.map((buyer, index) => buyer.order([{ sku, quantity: 1 }], `dash-${index}`)));
    expect(answers.map((answer) => answer.status).sort()).toEqual([202, 202, 202, 409, 409]);

    const tile = (label: string) => page.locator(`.tile[data-tile="${label}"] .value`);
    await expect.poll(() => tile('Accepted').textContent(), { timeout: 30_000 }).toBe('3');
    await expect.poll(() => tile('Refused (sold out)').textContent()).toBe('2');
    expect(await tile('Stock drift').textContent()).toBe('0 units');
    // Two scrapes make one interval of the rate charts.
    await expect.poll(() => page.locator('figure.chart svg polyline').first().getAttribute('points'), { timeout: 30_000 }).toContain(' ');
    await screenshot(page, 'admin-dashboard', { fullPage: true });
    await page.close();
  });

  it('lists the low-stock SKUs and edits a SKU’s stock', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2, title: 'Low Lantern' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    await page.getByLabel('Low stock only').check();
    const row = page.locator(`tr[data-sku="${sku}"]`);
    await row.waitFor();
    expect(await row.getByTestId('available').textContent()).toBe('2');
    // The seeded catalog is well stocked: the low filter leaves out its products.
    expect(await page.locator('tr[data-sku="FLASH-001"]').count()).toBe(0);
    await screenshot(page, 'admin-inventory');

    await page.getByRole('button', { name: `Edit ${sku}` }).click();
    await page
      .getByRole('form', { name: `Edit ${sku}` })
      .getByLabel('Title')
      .fill('Bright Lantern');
    await page.getByRole('button', { name: 'Save product' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku} saved: Bright Lantern` })
      .waitFor();
    // Save product was disabled while it was sent: the focus is on what came of it, not on <body>.
    await expect.poll(() => focusedText(page)).toContain(`${sku} saved: Bright Lantern`);
    expect((await new Api(base).get(`/api/products/${sku}`)).body.title).toBe('Bright Lantern');

    await page.getByLabel(`On hand for ${sku}`).fill('40');
    await page.getByRole('button', { name: `Save stock of ${sku}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku}: 40 on hand, 40 available.` })
      .waitFor();
    // The stock form is drawn anew with the new figure: the focus is on the outcome, not on <body>.
    await expect.poll(() => focusedText(page)).toContain(`${sku}: 40 on hand, 40 available.`);
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 40, available: 40, drift: 0 });
    // No longer low: the filtered list lets it go.
    await expect.poll(() => row.count()).toBe(0);
    await page.close();
  });

  it('follows the stock of the listed SKUs as orders take it, without a reload', async () => {
    const sku = await createProduct(sut.admin, { onHand: 30, title: 'Selling Sieve' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    await page.getByLabel('SKU or title contains').fill(sku);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    const available = page.locator(`tr[data-sku="${sku}"]`).getByTestId('available');
    await expect.poll(() => available.textContent()).toBe('30');

    const [buyer] = await guests(base, 1);
    expect((await buyer!.order([{ sku, quantity: 4 }], `watched-${sku}`)).status).toBe(202);
    await expect.poll(() => available.textContent(), { timeout: 30_000 }).toBe('26');
    await page.close();
  });

  it('sets units on hand below what is reserved when the vendors’ units cover the rest, as the API allows', async () => {
    const sku = await createProduct(sut.admin, { onHand: 4, title: 'Covered Colander' });
    await simulatedVendor(sut.system.container, 'cover', { [sku]: 6 });
    const [buyer] = await guests(base, 1);
    expect((await buyer!.order([{ sku, quantity: 7 }], `covered-${sku}`)).status).toBe(202);
    await expect.poll(async () => inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 4, vendorOnHand: 6, reserved: 7 });

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    await page.getByLabel('SKU or title contains').fill(sku);
    await page.getByRole('button', { name: 'Find', exact: true }).click();
    // The row shows the vendors' units beside the ledger's, so its Available adds up: 4 + 6 − 7.
    const row = page.locator(`tr[data-sku="${sku}"]`);
    await expect.poll(() => row.getByTestId('vendor-on-hand').textContent()).toBe('6');
    expect(await row.getByTestId('available').textContent()).toBe('3');
    // The recount finds 2 on the shelf: the vendors' 6 still cover the 7 reserved (the API's floor is 1).
    await page.getByLabel(`On hand for ${sku}`).fill('2');
    await page.getByRole('button', { name: `Save stock of ${sku}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku}: 2 on hand, 1 available.` })
      .waitFor();
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 2, reserved: 7, available: 1 });
    await page.close();
  });

  /** A guest's PENDING order of a new product (`quantity` units at `priceCents`), and a signed-in console showing the PENDING orders. */
  async function pendingOrderInConsole(title: string, extra: Record<string, unknown> = {}, { quantity = 1, priceCents = 1_000 } = {}) {
    const sku = await createProduct(sut.admin, { onHand: 5, title, priceCents });
    const [buyer] = await guests(base, 1);
    const placed = await buyer!.order([{ sku, quantity }], `admin-orders-${sku}`, extra);
    expect(placed.status).toBe(202);
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Status').selectOption('PENDING');
    const orderId = placed.body.id as string;
    return { buyer: buyer!, sku, orderId, short: orderId.slice(0, 8), page };
  }

  it('finds a customer’s orders by email and an order by the first characters of its id, the search in the address', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const { short, page } = await pendingOrderInConsole('Searched Sitar', { customerEmail: email });
    await eventually(async () => ((await sut.admin.get(`/api/admin/orders?q=${email}`)).body.total === 1 ? true : undefined), 'the order stored');
    const search = page.getByRole('search', { name: 'Orders' });
    await search.getByLabel('Order id or customer email').fill(email.toUpperCase());
    await search.getByRole('button', { name: 'Search' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: /^1 order$/ })
      .waitFor();
    await page.getByRole('link', { name: short, exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBe(email.toUpperCase());

    await search.getByLabel('Order id or customer email').fill(short);
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByRole('link', { name: short, exact: true }).waitFor();
    expect(new URL(page.url()).searchParams.get('q')).toBe(short);
    // Only orders whose id starts so: the list's links each show an id's first 8 characters.
    expect(new Set(await page.locator('tbody tr td:first-child a').allTextContents())).toEqual(new Set([short]));

    await search.getByLabel('Order id or customer email').fill('not an order');
    await search.getByRole('button', { name: 'Search' }).click();
    await page.getByText('“not an order” is neither a customer’s email nor the start of an order id (such as 0b5e1f2a).').waitFor();
    await page.close();
  });

  it('confirms a free order, which has nothing to pay, once the confirmation is confirmed', async () => {
    const { orderId, short, page } = await pendingOrderInConsole('Free Flyer', {}, { priceCents: 0 });
    const confirm = page.getByRole('button', { name: `Confirm order ${short}`, exact: true });
    await confirm.click();
    await page.getByText('Confirm this free order?').waitFor();
    await page.getByRole('button', { name: `Yes, confirm order ${short}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Order ${short} is now CONFIRMED.` })
      .waitFor();
    const stored = (await sut.admin.get(`/api/orders/${orderId}`)).body;
    // Confirmed by the admin; the worker may have fulfilled it since (its stock is local).
    expect(stored.history.map((entry: { status: string; actor: string }) => [entry.status, entry.actor]).slice(0, 2)).toEqual([
      ['PENDING', 'customer'],
      ['CONFIRMED', 'admin'],
    ]);
    expect(stored.payment).toBeUndefined();
    await page.close();
  });

  it('asks before confirming an order that is not free without a payment through the provider', async () => {
    const { orderId, short, page } = await pendingOrderInConsole('Offline Oboe');
    await page.getByRole('button', { name: `Confirm order ${short}`, exact: true }).click();
    await page.getByText('Confirm it without a payment through the provider? Only for an order paid another way.').waitFor();
    await page.getByRole('button', { name: `Keep it (order ${short})` }).click();
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('PENDING');
    await page.close();
  });

  it('filters orders by status and cancels one once the cancellation is confirmed; kept, nothing is sent', async () => {
    const { orderId, short, page } = await pendingOrderInConsole('Transition Tea', { customerEmail: 'tea@example.test' });
    const sent = orderChangesSent(page);
    const cancel = page.getByRole('button', { name: `Cancel order ${short}`, exact: true });
    // Asked to confirm, the admin thinks better of it: the button is back, and nothing was asked of the API.
    await cancel.click();
    await page.getByText('Cancel this order?').waitFor();
    await page.getByRole('button', { name: `Keep it (order ${short})` }).click();
    await cancel.waitFor();
    expect(await page.getByText('Cancel this order?').count()).toBe(0);
    expect(sent).toEqual([]);
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('PENDING');

    await cancel.click();
    await page.getByRole('button', { name: `Yes, cancel order ${short}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Order ${short} is now CANCELLED.` })
      .waitFor();
    // The row left the PENDING list with the button that had the focus: what is said has it now.
    await expect.poll(() => focusedText(page)).toContain(`Order ${short} is now CANCELLED.`);
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('CANCELLED');
    await page.close();
  });

  it('gives Previous the focus when Next reaches the last page of orders, where Next is disabled; the page and filter stay in the address', async () => {
    // Enough orders for a second page, whatever the tests before placed.
    const sku = await createProduct(sut.admin, { onHand: 100, title: 'Paged Pin' });
    const [buyer] = await guests(base, 1);
    for (let index = 0; index < 26; index++) expect((await buyer!.order([{ sku, quantity: 1 }], `paged-${sku}-${index}`)).status).toBe(202);
    await eventually(async () => ((await sut.admin.get('/api/admin/orders?limit=25')).body.total > 25 ? true : undefined), 'a second page of orders');

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Orders' }).click();
    const pager = page.getByRole('navigation', { name: 'Pages' });
    const [, pages] = (await pager.getByText(/^Page 1 of \d+$/).textContent())!.match(/of (\d+)/)!;
    const next = pager.getByRole('button', { name: 'Next' });
    for (let shown = 2; shown <= Number(pages); shown++) {
      await next.press('Enter');
      await pager.getByText(`Page ${shown} of ${pages}`).waitFor();
    }
    expect(await next.isDisabled()).toBe(true);
    await expect.poll(() => hasFocus(pager.getByRole('button', { name: 'Previous' }))).toBe(true);

    // The page and the filter are in the address: a reload (or a link) shows the same list.
    expect(new URL(page.url()).search).toBe(`?page=${pages}`);
    await page.reload();
    await pager.getByText(`Page ${pages} of ${pages}`).waitFor();
    await page.getByLabel('Status').selectOption('PENDING');
    await page.waitForURL(`${base}/admin/orders?status=PENDING`);
    await page.reload();
    expect(await page.getByLabel('Status').inputValue()).toBe('PENDING');
    await page.goBack();
    await page.waitForURL(`${base}/admin/orders?page=${pages}`);
    await pager.getByText(`Page ${pages} of ${pages}`).waitFor();
    expect(await page.getByLabel('Status').inputValue()).toBe('');

    // A page past the last (an old link, or the last row gone) shows the last page instead.
    await page.goto(`${base}/admin/orders?page=999999`);
    await page.waitForURL(`${base}/admin/orders?page=${pages}`);
    await pager.getByText(`Page ${pages} of ${pages}`).waitFor();
    // Its rows come with its pager: the empty page left is not shown under the last page's number.
    expect(await page.locator('tbody tr').count()).toBeGreaterThan(0);
    await page.close();
  });

  it('reads the orders again when a transition is refused, so the row shows where the order is now', async () => {
    const { buyer, orderId, short, page } = await pendingOrderInConsole('Moved-On Mate');
    const cancel = page.getByRole('button', { name: `Cancel order ${short}`, exact: true });
    await cancel.waitFor();
    // The list polls while its tab is in front; in the background only what the page does reads it
    // again, so the row below is refreshed by the refusal or not at all.
    await page.evaluate(() => {
      const doc = (globalThis as any).document; // the page's: this file is typed for Node
      Object.defineProperty(doc, 'visibilityState', { configurable: true, get: () => 'hidden' });
      doc.dispatchEvent(new Event('visibilitychange'));
    });
    // The buyer cancels it meanwhile: the admin's cancel comes too late.
    expect((await buyer.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(200);
    await cancel.click();
    await page.getByRole('button', { name: `Yes, cancel order ${short}` }).click();
    await page
      .getByRole('alert')
      .filter({ hasText: `Order ${short} is already CANCELLED: nothing to do.` })
      .waitFor();
    // Read again, the PENDING list no longer holds the order.
    await cancel.waitFor({ state: 'detached' });
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('CANCELLED');
    await page.close();
  });

  it('opens an order from the list with its customer, address, lines, total and history, and moves it from there', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const shippingAddress = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
    const { sku, orderId, short, page } = await pendingOrderInConsole(
      'Detailed Dulcimer',
      { customerEmail: email, shippingAddress },
      { quantity: 2, priceCents: 1_250 },
    );
    expect(await page.title()).toBe('Orders · Admin — flashcart');
    await page.getByRole('link', { name: short, exact: true }).click();
    await page.getByRole('heading', { level: 1, name: `Order ${short}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/orders/${orderId}`);
    // As a page load would: the focus on the new page's heading (there while the order loads), and a tab named for it.
    await expect.poll(() => hasFocus(page.getByRole('heading', { level: 1, name: `Order ${short}` }))).toBe(true);
    expect(await page.title()).toBe(`Order ${short} · Admin — flashcart`);

    await page.getByRole('heading', { level: 2, name: 'Status: PENDING' }).waitFor();
    expect(await page.getByTestId('customer').textContent()).toBe(email);
    expect(await page.getByTestId('payment').textContent()).toBe('none through the provider');
    // As the Royal Mail writes it: the postcode on a line of its own, after the town.
    // biome-ignore lint/performance/useDomNodeTextContent: the lines as rendered, which the <br>s make and textContent drops
    expect((await page.getByTestId('shipping-address').innerText()).split('\n')).toEqual([
      'Ada Lovelace',
      '12 Analytical Street',
      'London',
      'N1 9GU',
      'United Kingdom (GB)',
    ]);
    const lines = page.getByRole('table', { name: 'Lines' });
    expect(await lines.locator(`tr[data-sku="${sku}"] td`).allTextContents()).toEqual([sku, 'Detailed Dulcimer', '2', '€12.50', '€25.00']);
    expect(await lines.getByRole('rowheader').textContent()).toBe('Total (EUR)');
    expect(await page.getByTestId('order-total').textContent()).toBe('€25.00');
    const history = page.getByRole('table', { name: 'History' }).locator('tbody tr');
    const historyRows = () => history.evaluateAll((rows) => rows.map((row) => [...row.querySelectorAll('td')].map((cell) => cell.textContent)));
    expect((await historyRows()).map(([status, , actor, reason]) => [status, actor, reason])).toEqual([['PENDING', 'customer', '—']]);

    // The list's actions are here too, the confirmation of a cancellation with them.
    await page.getByRole('button', { name: `Cancel order ${short}`, exact: true }).click();
    // The reason goes to the buyer, in the cancellation mail.
    await page.getByLabel(`Reason the buyer is told (optional), order ${short}`).fill('  Damaged in the warehouse  ');
    await page.getByRole('button', { name: `Yes, cancel order ${short}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Order ${short} is now CANCELLED.` })
      .waitFor();
    await page.getByRole('heading', { level: 2, name: 'Status: CANCELLED' }).waitFor();
    // A CANCELLED order offers no button: the one pressed went, and what is said has the focus.
    await expect.poll(() => focusedText(page)).toContain(`Order ${short} is now CANCELLED.`);
    await expect
      .poll(async () => (await historyRows()).map(([status, , actor, reason]) => [status, actor, reason]))
      .toEqual([
        ['PENDING', 'customer', '—'],
        ['CANCELLED', 'admin', 'Damaged in the warehouse'],
      ]);
    const [cancelled] = await mailsTo(sut.admin, email, / cancelled$/);
    expect(cancelled!.text).toContain('Reason: Damaged in the warehouse');
    expect(await page.getByRole('button', { name: `Cancel order ${short}`, exact: true }).count()).toBe(0);
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('CANCELLED');
    await page.close();
  });

  it('shows an order’s payment, and a refund due for one that arrived after the order was cancelled', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Refunded Recorder', priceCents: 1_250 });
    const [buyer] = await guests(base, 1);
    const orderId = await orderPaidAfterCancel(buyer!, sut.system.pspSimUrl!, sku, 2);

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.goto(`${base}/admin/orders/${orderId}`);
    await page.getByRole('heading', { level: 2, name: 'Status: CANCELLED' }).waitFor();
    expect(await page.getByTestId('payment').textContent()).toBe('€25.00, received; refund due');
    await page.close();
  });

  it('says there is no such order for an id no order has, or one that cannot be an order id', async () => {
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    for (const id of [randomUUID(), 'not-an-order']) {
      await page.goto(`${base}/admin/orders/${id}`);
      await page.getByRole('heading', { level: 1, name: 'No such order' }).waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
      // The tab says so too, not "Order <the id's first characters>", as the shop's tab of a product not there does.
      await expect.poll(() => page.title()).toBe('No such order · Admin — flashcart');
    }
    await page.getByRole('main').getByRole('link', { name: 'All orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    await expect.poll(() => page.title()).toBe('Orders · Admin — flashcart');
    await page.close();
  });

  it('gives the heading the focus when an order opened within the console turns out not to exist, as it does for one that does', async () => {
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    const missing = randomUUID();
    await page.goto(`${base}/admin/orders/${missing}`);
    await page.getByRole('heading', { level: 1, name: 'No such order' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'All orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Orders' }).waitFor();
    // Back is a navigation within the page: the heading takes the focus while the order loads, and keeps it once it is not found.
    await page.goBack();
    const heading = page.getByRole('heading', { level: 1, name: 'No such order' });
    await heading.waitFor();
    await expect.poll(() => hasFocus(heading)).toBe(true);
    await page.close();
  });

  it('links a dead letter about an order to the order', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Stranded Stool' });
    const [buyer] = await guests(base, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], `stranded-${sku}`);
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;
    // A fulfilment out of attempts, as a vendor's open circuit for a minute leaves one.
    const job = { id: `fulfil-${orderId}`, name: 'fulfil-order', data: { orderId }, attemptsMade: 8, finishedOn: Date.now() } as unknown as Job;
    await sut.system.container.deadLetters.capture(deadLetterOf('vendors', job, new Error('vendor acme: circuit open: call not attempted')));
    const letters = (await sut.admin.get('/api/admin/failed-jobs?limit=100')).body.items as DeadLetter[];
    const letter = letters.find((item) => item.jobId === `fulfil-${orderId}`)!;

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dead letters' }).click();
    await page
      .locator(`tr[data-job="${letter.id}"]`)
      .getByRole('link', { name: `Order ${orderId.slice(0, 8)}` })
      .click();
    await page.getByRole('heading', { level: 1, name: `Order ${orderId.slice(0, 8)}` }).waitFor();
    expect(new URL(page.url()).pathname).toBe(`/admin/orders/${orderId}`);
    await page.close();
  });

  it('shows a dead letter with its reason, retries it once the mail server is back (it runs once), and discards another once asked twice', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const letters = async () => (await sut.admin.get('/api/admin/failed-jobs?limit=100')).body.items as DeadLetter[];

    // Mail of the tests before goes out first: only this test's mail meets the server gone.
    await eventually(async () => {
      const { outboxRepository, queues } = sut.system.container;
      const queued = await queues.queue('notifications').getJobCounts('waiting', 'active', 'delayed', 'prioritized');
      return (await outboxRepository.backlog()) === 0 && Object.values(queued).every((count) => count === 0) ? true : undefined;
    }, 'earlier mail to go out');
    // The mail server goes away: the order's mail fails every attempt, and so does the alert about it.
    await mail.stop();
    let received: DeadLetter;
    let alert: DeadLetter;
    try {
      const sku = await createProduct(sut.admin, { onHand: 5, title: 'Undelivered Umbrella' });
      const [buyer] = await guests(base, 1);
      expect((await buyer!.order([{ sku, quantity: 1 }], `dead-letter-${sku}`, { customerEmail: email })).status).toBe(202);
      ({ received, alert } = await eventually(async () => {
        const items = await letters();
        const received = items.find((item) => item.payload.template === 'order-received' && item.payload.to === email);
        const alert = received && items.find((item) => item.payload.template === 'dead-letter' && item.payload.text?.includes(received.jobId!));
        return received && alert ? { received, alert } : undefined;
      }, 'the mail and the alert about it to become dead letters'));
    } finally {
      await mail.start(sut.stores);
    }
    expect(received).toMatchObject({ name: 'send-email', attempts: 3, status: 'failed', reason: expect.stringContaining('ECONNREFUSED') });

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dead letters' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dead letters' }).waitFor();
    const receivedRow = page.locator(`tr[data-job="${received.id}"]`);
    const alertRow = page.locator(`tr[data-job="${alert.id}"]`);
    await receivedRow.waitFor();
    await alertRow.waitFor();
    expect(await receivedRow.getByTestId('reason').textContent()).toBe(received.reason);
    expect(await receivedRow.textContent()).toContain(`template: order-received · to: ${email}`);
    expect(await receivedRow.getByTestId('status').textContent()).toBe('failed');
    await screenshot(page, 'dead-letters', { fullPage: true });

    // The mail server is back: the retried mail goes out, once.
    await receivedRow.getByRole('button', { name: `Retry send-email ${received.id}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `send-email (${received.id}) was sent back to the notifications queue.` })
      .waitFor();
    // Its Retry button goes: the focus is on what became of it.
    await expect.poll(() => focusedText(page)).toContain(`send-email (${received.id}) was sent back to the notifications queue.`);
    await expect.poll(() => receivedRow.getByTestId('status').textContent()).toBe('retried');
    await mailsTo(sut.admin, email, /^Order .* received$/);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Mailbox' }).click();
    await page.getByRole('cell', { name: email }).waitFor();
    expect((await mailbox(sut.admin)).filter((message) => message.to.includes(email))).toHaveLength(1);
    const afterRetry = await letters();
    expect(afterRetry.find((item) => item.id === received.id)?.status).toBe('retried');
    expect(afterRetry.filter((item) => item.jobId === `retry-of-${received.id}`)).toEqual([]);
    // Its retry has run: a second one would be refused (409), so the console no longer offers it.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dead letters' }).click();
    await receivedRow.getByRole('button', { name: `Discard send-email ${received.id}` }).waitFor();
    expect(await receivedRow.getByRole('button', { name: `Retry send-email ${received.id}` }).count()).toBe(0);

    // The alert told of a mail the admin has now seen to: discarded (once asked twice), it leaves the list.
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dead letters' }).click();
    const discard = alertRow.getByRole('button', { name: `Discard send-email ${alert.id}` });
    await discard.click();
    await alertRow.getByText('Discard it? It cannot be retried then.').waitFor();
    await alertRow.getByRole('button', { name: `Keep it (${alert.id})` }).click();
    await discard.waitFor();
    expect((await letters()).find((item) => item.id === alert.id)?.status).toBe('failed');
    await discard.click();
    await alertRow.getByRole('button', { name: `Yes, discard send-email ${alert.id}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `send-email (${alert.id}) was discarded.` })
      .waitFor();
    await expect.poll(() => alertRow.count()).toBe(0);
    await expect.poll(() => focusedText(page)).toContain(`send-email (${alert.id}) was discarded.`);
    expect((await letters()).map((item) => item.id)).not.toContain(alert.id);
    await page.getByLabel('Show').selectOption('discarded');
    expect(await alertRow.getByTestId('status').textContent()).toBe('discarded');

    // The dashboard counts the letters still waiting for the admin: the retried one is seen to.
    const waiting = (await sut.admin.get('/api/admin/failed-jobs?status=failed&limit=1')).body.total as number;
    expect((await sut.admin.get('/api/admin/failed-jobs?limit=1')).body.total).toBeGreaterThan(waiting);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Dashboard' }).click();
    await expect.poll(() => page.locator('.tile[data-tile="Dead letters"] .value').textContent()).toBe(String(waiting));
    await page.close();
  });

  it("opens a vendor's outage from the console, and sees its syncs fail, its breaker open, and both recover after a reset", async () => {
    const [acme] = sut.system.vendorSim!.vendors;
    const created = await sut.admin.post('/api/admin/vendors', { name: acme!.name, baseUrl: acme!.url, priority: 10 });
    expect(created.status).toBe(201);
    const vendorId = created.body.id as string;
    const vendor = async () =>
      ((await sut.admin.get('/api/admin/vendors')).body as { id: string; status: string; circuit: string }[]).find((v) => v.id === vendorId)!;
    await eventually(async () => ((await vendor()).status === 'ok' ? true : undefined), 'the first sync');

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Vendors' }).click();
    const row = page.locator(`tr[data-vendor="${acme!.name}"]`);
    const health = row.getByTestId('health');
    const circuit = row.getByTestId('circuit');
    await expect.poll(() => health.textContent()).toBe('ok');
    expect(await circuit.textContent()).toBe('closed');

    await page.getByLabel('Vendor', { exact: true }).selectOption({ label: acme!.name });
    await page.getByLabel('Outage (seconds)').fill('600');
    await page.getByRole('button', { name: 'Start outage' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${acme!.name}: outage (unavailable) until` })
      .waitFor();
    // Start outage was disabled while the switch was sent: the focus is on what came of it, not on <body>.
    await expect.poll(() => focusedText(page)).toContain(`${acme!.name}: outage (unavailable) until`);
    expect(acme!.simulation.faults().outage).toMatchObject({ mode: 'unavailable' });

    /**
     * Asks for a sync from the console and waits for one that started after the ask (a sync still
     * running from before does not count), asking again if the ask came while the last sync's job
     * was still being cleared up and so added none.
     */
    const syncNow = row.getByRole('button', { name: `Sync now ${acme!.name}` });
    const syncOnce = async () => {
      const asked = Date.now();
      await expect
        .poll(
          async () => {
            const syncedAt = Date.parse((await row.getAttribute('data-synced-at')) || '0');
            if (syncedAt < asked && (await syncNow.isEnabled())) await syncNow.click();
            return syncedAt >= asked;
          },
          { timeout: 60_000, interval: 4_000 },
        )
        .toBe(true);
    };

    // Each sync tries three times; the breaker opens after five failures in a row.
    await syncOnce();
    expect(await health.textContent()).toBe('failed');
    // A failed attempt is not a sync: its time is said as that of a failure, and the last successful sync's apart (the age of the counts in use).
    expect(await row.textContent()).toMatch(/Last attempt failed [A-Z][a-z]{2} \d{1,2}, \d{4}/);
    expect(await row.getByTestId('last-sync').textContent()).toMatch(
      /^Last attempt failed .+Last successful sync [A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/,
    );
    for (let syncs = 1; syncs < 5 && (await circuit.textContent()) !== 'open'; syncs++) await syncOnce();
    expect(await circuit.textContent()).toBe('open');
    // Why the last sync failed: the vendor's 503, or the open breaker that no longer calls it.
    expect(await row.textContent()).toContain(`vendor ${acme!.name}:`);
    expect(await vendor()).toMatchObject({ status: 'failed', circuit: 'open' });
    await screenshot(page, 'admin-vendors', { fullPage: true });

    // Reset: once the breaker lets a probe through, the vendor answers and the breaker closes.
    await page.getByRole('button', { name: `Reset every fault of ${acme!.name}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${acme!.name}: no faults in force.` })
      .waitFor();
    expect(acme!.simulation.faults().outage).toBeNull();
    for (let syncs = 0; syncs < 5 && (await health.textContent()) !== 'ok'; syncs++) await syncOnce();
    expect(await health.textContent()).toBe('ok');
    expect(await circuit.textContent()).toBe('closed');
    expect(await vendor()).toMatchObject({ status: 'ok', circuit: 'closed' });
    // Synced again: the time of that sync, and no failure.
    expect(await row.getByTestId('last-sync').textContent()).toMatch(/^[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}\s[AP]M$/);
    await page.close();
  });

  it('creates a product from the console, its typed price in cents and its stock on hand', async () => {
    const sku = firstPageSku();
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    // 0.29 × 100 is 28.999… in floating point: the console reads the digits, not a float.
    const form = await fillNewProduct(page, {
      sku,
      title: 'Created Compass',
      price: '1234.29',
      category: 'Outdoors',
      onHand: '17',
      description: 'Points north, mostly.',
    });
    await form.getByRole('button', { name: 'Create product' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku} created: Created Compass, €1,234.29, 17 on hand.` })
      .waitFor();

    const row = page.locator(`tr[data-sku="${sku}"]`);
    await row.waitFor();
    expect(await row.textContent()).toContain('Created Compass');
    expect(await page.getByLabel(`On hand for ${sku}`).inputValue()).toBe('17');
    // Ready for the next product: nothing of this one is left in the form.
    expect(await form.getByLabel('SKU').inputValue()).toBe('');
    expect(await form.getByLabel('Price').inputValue()).toBe('');

    const created = await new Api(base).get(`/api/products/${sku}`);
    expect(created.status).toBe(200);
    expect(created.body).toMatchObject({
      sku,
      title: 'Created Compass',
      description: 'Points north, mostly.',
      category: 'outdoors',
      priceCents: 123_429,
      currency: 'EUR',
      available: 17,
      // Left empty in the form, so the server's default applies.
      lowStockThreshold: DEFAULT_LOW_STOCK_THRESHOLD,
    });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 17, reserved: 0, drift: 0 });
    await page.close();
  });

  it('shows the refusal of a SKU that exists, keeps what was typed, and changes nothing', async () => {
    const sku = await createProduct(sut.admin, { sku: firstPageSku(), onHand: 4, priceCents: 2_500, title: 'Original Oar' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    // A product created first: its notice says so, until the next change is sent.
    const first = firstPageSku();
    const created = await fillNewProduct(page, { sku: first, title: 'First Float', price: '2.00', category: 'Outdoors', onHand: '1' });
    await created.getByRole('button', { name: 'Create product' }).click();
    const createdNotice = page.getByRole('status').filter({ hasText: `${first} created` });
    await createdNotice.waitFor();
    await page.getByRole('button', { name: 'New product' }).click();

    const form = await fillNewProduct(page, { sku, title: 'Impostor Oar', price: '1.00', category: 'Outdoors', onHand: '99' });
    await form.getByRole('button', { name: 'Create product' }).click();
    await form
      .getByRole('alert')
      .filter({ hasText: `product ${sku} already exists` })
      .waitFor();
    expect(await form.getByLabel('Title').inputValue()).toBe('Impostor Oar');
    // Beside the refusal, the earlier notice would read as if this product had been created too.
    expect(await createdNotice.count()).toBe(0);

    expect((await new Api(base).get(`/api/products/${sku}`)).body).toMatchObject({ title: 'Original Oar', priceCents: 2_500, category: 'test' });
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 4, drift: 0 });
    expect(await page.getByLabel(`On hand for ${sku}`).inputValue()).toBe('4');
    await page.close();
  });

  it('moves a SKU’s stock by a delta with a reason, and shows the refusal of one that would take reserved units', async () => {
    const sku = await createProduct(sut.admin, { sku: firstPageSku(), onHand: 10, title: 'Adjusted Axe' });
    const [buyer] = await guests(base, 1);
    expect((await buyer!.order([{ sku, quantity: 3 }], `adjust-${sku}`)).status).toBe(202);
    await eventually(async () => ((await inventoryOf(sut.admin, sku)).reserved === 3 ? true : undefined), 'the order to be persisted');

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    await page.getByRole('button', { name: `Edit ${sku}` }).click();
    const form = page.getByRole('form', { name: `Adjust stock of ${sku}` });
    const onHandInList = page.getByLabel(`On hand for ${sku}`);
    const adjust = async (delta: string, reason: string) => {
      await form.getByLabel('Change on hand by').fill(delta);
      await form.getByLabel('Reason').fill(reason);
      await form.getByRole('button', { name: 'Adjust stock' }).click();
    };

    await adjust('-4', 'damaged in storage');
    await page
      .getByRole('status')
      .filter({ hasText: `${sku}: -4 (damaged in storage), now 6 on hand, 3 available.` })
      .waitFor();
    await expect.poll(() => onHandInList.inputValue()).toBe('6');
    expect(await form.getByLabel('Change on hand by').inputValue()).toBe('');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 6, reserved: 3, available: 3, drift: 0 });

    await adjust('20', 'delivery');
    await page
      .getByRole('status')
      .filter({ hasText: `${sku}: +20 (delivery), now 26 on hand, 23 available.` })
      .waitFor();
    await expect.poll(() => onHandInList.inputValue()).toBe('26');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 26, reserved: 3, available: 23, drift: 0 });

    // Taking 24 away would leave 2 on hand for the 3 the order holds.
    await adjust('-24', 'recount');
    await form
      .getByRole('alert')
      .filter({ hasText: `cannot take 24 unit(s) of ${sku} away: only 23 unreserved` })
      .waitFor();
    expect(await form.getByLabel('Change on hand by').inputValue()).toBe('-24');
    // The button was disabled while the change was sent: the focus is on the delta refused, not on <body>.
    await expect.poll(() => hasFocus(form.getByLabel('Change on hand by'))).toBe(true);
    expect(await form.getByLabel('Change on hand by').getAttribute('aria-invalid')).toBe('true');
    expect(await inventoryOf(sut.admin, sku)).toMatchObject({ onHand: 26, reserved: 3, available: 23, drift: 0 });
    expect(await onHandInList.inputValue()).toBe('26');
    const movements = await sut.system.container.db
      .selectFrom('inventoryMovements')
      .select(['onHandDelta', 'reason'])
      .where('sku', '=', sku)
      .orderBy('id')
      .execute();
    expect(movements).toEqual([
      { onHandDelta: 10, reason: expect.any(String) },
      { onHandDelta: -4, reason: 'damaged in storage' },
      { onHandDelta: 20, reason: 'delivery' },
    ]);

    // A change that then succeeds elsewhere on the page takes the refusal away.
    await onHandInList.fill('30');
    await page.getByRole('button', { name: `Save stock of ${sku}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku}: 30 on hand` })
      .waitFor();
    await expect.poll(() => form.getByRole('alert').count()).toBe(0);
    await page.close();
  });

  it('labels a SKU with nothing left sold out rather than low, and shows an order’s expiry only while it is unpaid', async () => {
    const soldOut = await createProduct(sut.admin, { sku: firstPageSku(), title: 'Gone Gong', onHand: 0 });
    const low = await createProduct(sut.admin, { sku: firstPageSku(), title: 'Last Lute', onHand: 2 });
    const { buyer, orderId, page } = await pendingOrderInConsole('Expiring Ewer');
    await openInventory(page);
    const labelOf = (sku: string) => page.locator(`tr[data-sku="${sku}"] .stock`).textContent();
    await expect.poll(() => labelOf(soldOut)).toBe('Sold out');
    expect(await labelOf(low)).toBe(`Low (≤ ${DEFAULT_LOW_STOCK_THRESHOLD})`);

    await page.goto(`${base}/admin/orders/${orderId}`);
    await page.getByRole('heading', { level: 2, name: 'Status: PENDING' }).waitFor();
    expect(await page.getByText('Expires if unpaid').count()).toBe(1);
    expect((await buyer.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(200);
    await page.getByRole('heading', { level: 2, name: 'Status: CANCELLED' }).waitFor();
    expect(await page.getByText('Expires if unpaid').count()).toBe(0);
    await page.close();
  });

  it('finds products by SKU or title, wherever they fall in the list, and lists every product again once the search is emptied', async () => {
    // "Z-…" comes after every other SKU: past the list's first page.
    const tag = uniqueSku('Z');
    const sextant = await createProduct(sut.admin, { sku: `${tag}-1`, title: 'Brass Sextant', onHand: 3 });
    const compass = await createProduct(sut.admin, { sku: `${tag}-2`, title: 'Brass Compass', onHand: 3 });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    const listed = () => page.locator('tr[data-sku]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-sku')));
    expect(await listed()).not.toContain(sextant);

    const find = async (text: string, total: number) => {
      const form = page.getByRole('form', { name: 'Find products' });
      await form.getByLabel('SKU or title contains').fill(text);
      await form.getByRole('button', { name: 'Find' }).click();
      await page.getByText(`Products whose SKU or title contains “${text}”: ${total}.`).waitFor();
    };
    await find(tag.toLowerCase(), 2);
    expect(await listed()).toEqual([sextant, compass]);
    await find(`${tag.toLowerCase()}-1`, 1);
    expect(await listed()).toEqual([sextant]);

    const form = page.getByRole('form', { name: 'Find products' });
    await form.getByLabel('SKU or title contains').fill('');
    await form.getByRole('button', { name: 'Find' }).click();
    await page.getByText('Products whose SKU or title contains').waitFor({ state: 'detached' });
    await eventually(async () => ((await listed()).length > 1 ? true : undefined), 'the whole list');
    await page.close();
  });

  it('opens the queue dashboard in a new tab from the menu and from the dashboard, with the token in no address, and the board loads nothing from another site', async () => {
    const { context } = browser;
    // A board cookie left by an earlier visit would let the board in without the handover under test.
    await context.clearCookies({ name: 'fc_queue_board' });
    // Every address any tab asked for or showed: the admin's token must be in none of them (history, proxy logs).
    const addresses: string[] = [];
    const onRequest = (request: Request) => addresses.push(request.url());
    const onNavigated = (frame: Frame) => addresses.push(frame.url());
    const onPage = (opened: Page) => opened.on('framenavigated', onNavigated);
    // bull-board's page asks Google Fonts for a typeface; the page's policy stops it in the browser.
    const elsewhere: string[] = [];
    const blocked: string[] = [];
    const onFinished = (request: Request) => {
      if (new URL(request.url()).origin !== base) elsewhere.push(request.url());
    };
    const onFailed = (request: Request) => {
      if (new URL(request.url()).origin === base) return;
      if (request.failure()?.errorText === 'csp') blocked.push(new URL(request.url()).host);
      else elsewhere.push(request.url());
    };
    context.on('request', onRequest);
    context.on('page', onPage);
    context.on('requestfinished', onFinished);
    context.on('requestfailed', onFailed);

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    const openBoardWith = async (control: Locator) => {
      const [board] = await Promise.all([context.waitForEvent('page'), control.click()]);
      board.setDefaultTimeout(30_000);
      await board.waitForURL(`${base}/admin/queues`);
      await expect.poll(() => board.title()).toBe('Bull Dashboard');
      // Its own scripts and styles still run under the page's policy: the queues are listed.
      await board.getByText('notifications', { exact: true }).first().waitFor();
      await board.close();
    };
    await openBoardWith(page.getByRole('navigation', { name: 'Admin' }).getByRole('button', { name: /^Queue dashboard/ }));
    await context.clearCookies({ name: 'fc_queue_board' });
    await openBoardWith(page.getByRole('button', { name: 'Queue dashboard (opens in a new tab)', exact: true }));
    // The console stays open where it was.
    expect(page.url()).toBe(`${base}/admin`);

    context.off('request', onRequest);
    context.off('page', onPage);
    context.off('requestfinished', onFinished);
    context.off('requestfailed', onFailed);
    expect(addresses.filter((address) => address === `${base}/admin/queues/session`)).toHaveLength(2);
    expect(addresses.filter((address) => address.includes('token='))).toEqual([]);
    expect(elsewhere).toEqual([]);
    expect(blocked).toEqual(['fonts.googleapis.com', 'fonts.googleapis.com']);
    await page.close();
  });

  it('shows the mailbox whole at 1280 pixels wide, a message open or not', async () => {
    const email = `a-rather-long-mailbox-address-${uniqueSku().toLowerCase()}@example.test`;
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Mailbox Marmalade' });
    const [buyer] = await guests(base, 1);
    expect((await buyer!.order([{ sku, quantity: 1 }], `mailbox-${sku}`, { customerEmail: email })).status).toBe(202);
    await mailsTo(sut.admin, email, /^Order .* received$/);

    const page = await browser.newPage();
    await page.setViewportSize({ width: 1280, height: 800 });
    // Every message shown as received at the widest time there is ("May 28, 2026, 12:59 AM" in
    // DejaVu Sans, of every month and hour), whatever the clock says now.
    const widest = new Date(2026, 4, 28, 0, 59).toISOString();
    await page.route(/\/api\/admin\/mailbox\?/, async (route) => {
      const answer = await route.fetch();
      const body = await answer.json();
      for (const item of body.items) item.receivedAt = widest;
      await route.fulfill({ response: answer, json: body });
    });
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Mailbox' }).click();
    const row = page.getByRole('row').filter({ hasText: email });
    await row.waitFor();

    /** Whether the element shows its whole text: nothing cut off inside it, and all of it inside the table's visible box. */
    const shownWhole = (locator: Locator) =>
      locator.evaluate((element) => {
        const wrap = element.closest('.table-wrap')!.getBoundingClientRect();
        const box = element.getBoundingClientRect();
        return element.scrollWidth <= element.clientWidth && box.left >= wrap.left && box.right <= wrap.right;
      });
    const subject = row.getByRole('button');
    const readable = async () => {
      expect(await shownWhole(page.getByRole('columnheader', { name: 'Received' }))).toBe(true);
      expect(await shownWhole(row.getByTestId('received'))).toBe(true);
      // Run in the page: this file is typed for Node, without the DOM's globals.
      expect(await subject.evaluate((button) => (globalThis as any).getComputedStyle(button).textAlign)).toMatch(/^(left|start)$/);
      // The lines its text takes (the tops of its boxes): one or two, not the five or six of a squeezed column.
      const lines = await subject.evaluate((button) => {
        const text = (globalThis as any).document.createRange();
        text.selectNodeContents(button);
        return new Set([...text.getClientRects()].map((box: { top: number }) => Math.round(box.top))).size;
      });
      expect(lines).toBeLessThanOrEqual(2);
    };
    await readable();
    await subject.click();
    await page.getByRole('article').getByRole('heading', { level: 2 }).waitFor();
    await readable();
    await page.close();
  });

  it('fits its pages into a 390-pixel screen: menu and forms on screen, wide tables scrolling in their own box', async () => {
    // Something on every page: a vendor, an order (the vendors and orders lists lay each out as a block at this width; see their own tests).
    await simulatedVendor(sut.system.container, 'narrow', { [await createProduct(sut.admin, { onHand: 0 })]: 3 });
    const [buyer] = await guests(base, 1);
    expect((await buyer!.order([{ sku: await createProduct(sut.admin, { onHand: 3 }), quantity: 1 }], `narrow-${randomUUID()}`)).status).toBe(202);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 800 });
    await signInAsAdmin(page, base);
    const nav = page.getByRole('navigation', { name: 'Admin' });
    const onScreen = async (locator: Locator) => {
      const box = (await locator.boundingBox())!;
      return box.x >= 0 && box.x + box.width <= 390;
    };
    for (const [link, heading] of [
      ['Products and stock', 'Products and stock'],
      ['Orders', 'Orders'],
      ['Vendors', 'Vendors'],
    ]) {
      await nav.getByRole('link', { name: link }).click();
      await page.getByRole('heading', { level: 1, name: heading }).waitFor();
      await page.getByRole('table').first().waitFor();
      expect(await scrollWidthOf(page), heading).toBeLessThanOrEqual(390);
      for (const each of await nav.getByRole('link').all()) expect(await onScreen(each), `${heading}: ${await each.textContent()}`).toBe(true);
    }
    await nav.getByRole('link', { name: 'Products and stock' }).click();
    expect(await onScreen(page.getByRole('form', { name: 'Find products' }).getByRole('button', { name: 'Find' }))).toBe(true);
    await page.close();
  });

  it('shows the mailbox at 390 pixels wide with each subject as lines of text, its recipient and time beside it', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Narrow Nutmeg' });
    const [buyer] = await guests(base, 1);
    const emails = [1, 2, 3].map(() => `${uniqueSku().toLowerCase()}@example.test`);
    for (const email of emails)
      expect((await buyer!.order([{ sku, quantity: 1 }], `narrow-mail-${email}`, { customerEmail: email })).status).toBe(202);
    for (const email of emails) await mailsTo(sut.admin, email, /^Order .* received$/);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Mailbox' }).click();
    const row = page.getByRole('row').filter({ hasText: emails[0] });
    await row.waitFor();

    expect(await scrollWidthOf(page)).toBeLessThanOrEqual(390);
    // The subject ("Order <uuid> received") as a few lines: squeezed to a letter's width, it took fifty.
    expect((await row.getByRole('cell').first().boundingBox())!.width).toBeGreaterThanOrEqual(120);
    const lines = await row.getByRole('button').evaluate((button) => {
      const text = (globalThis as any).document.createRange();
      text.selectNodeContents(button);
      return new Set([...text.getClientRects()].map((box: { top: number }) => Math.round(box.top))).size;
    });
    expect(lines).toBeLessThanOrEqual(3);
    // The time it came, whole and in view without scrolling the list sideways.
    const wrap = (await page.locator('.mailbox.table-wrap').boundingBox())!;
    const received = (await row.getByTestId('received').boundingBox())!;
    expect(received.x + received.width).toBeLessThanOrEqual(wrap.x + wrap.width);
    expect(await row.getByTestId('received').evaluate((cell) => cell.scrollWidth <= cell.clientWidth)).toBe(true);
    await page.close();
  });

  it('shows an order at 390 pixels wide within the screen: its cards on it, its history whole', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const shippingAddress = { name: 'Ada Lovelace', line1: '12 Analytical Street', city: 'London', postalCode: 'N1 9GU', country: 'GB' };
    const { buyer, orderId, page } = await pendingOrderInConsole('A Rather Long Title For A Narrow Screen', {
      customerEmail: email,
      shippingAddress,
    });
    expect((await buyer.post(`/api/orders/${orderId}/cancel`, {})).status).toBe(200);
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/admin/orders/${orderId}`);
    const history = page.getByRole('table', { name: 'History' });
    await history.getByRole('row').filter({ hasText: 'CANCELLED' }).waitFor();

    expect(await scrollWidthOf(page)).toBeLessThanOrEqual(390);
    for (const card of await page.locator('main section.card').all()) {
      const { x, width } = (await card.boundingBox())!;
      expect(x + width, (await card.getByRole('heading', { level: 2 }).textContent())!).toBeLessThanOrEqual(390);
    }
    // Four short columns: they fit, rather than leave the reason to be scrolled to.
    const wrap = page.locator('.table-wrap', { has: history });
    expect(await wrap.evaluate((element) => element.scrollWidth - element.clientWidth), 'what the history scrolls').toBe(0);
    // The lines do not fit: a shadow on the side they go on past says so, and moves as they scroll.
    const lines = page.locator('.table-wrap', { has: page.getByRole('table', { name: 'Lines' }) });
    expect(await lines.evaluate((element) => element.scrollWidth - element.clientWidth), 'what the lines scroll').toBeGreaterThan(0);
    const atStart = await edgeBrightness(lines);
    expect(atStart.left, 'the left edge at the start').toBe(255);
    expect(atStart.right, 'the right edge at the start').toBeLessThan(240);
    await lines.evaluate((element) => {
      element.scrollLeft = element.scrollWidth;
    });
    const atEnd = await edgeBrightness(lines);
    expect(atEnd.left, 'the left edge at the end').toBeLessThan(240);
    expect(atEnd.right, 'the right edge at the end').toBe(255);
    await page.close();
  });

  it('fits the list of orders into a 390-pixel screen: every column, Total and Actions too, inside its box with nothing to scroll', async () => {
    // A long address, a four-digit total, and a PENDING order's two buttons: the widest a row gets.
    const email = `${uniqueSku().toLowerCase()}.a-rather-long-mailbox-name@example.test`;
    const { short, page } = await pendingOrderInConsole('Pocket Piano', { customerEmail: email }, { quantity: 2, priceCents: 58_800 });
    await eventually(async () => ((await sut.admin.get(`/api/admin/orders?q=${email}`)).body.total === 1 ? true : undefined), 'the order stored');
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/admin/orders?q=${encodeURIComponent(email)}`);
    const row = page.getByRole('row').filter({ has: page.getByRole('link', { name: short, exact: true }) });
    await row.waitFor();

    const wrap = page.locator('.table-wrap');
    const fits = async (what: string) => {
      expect(await scrollWidthOf(page), `${what}: the page`).toBeLessThanOrEqual(390);
      expect(await wrap.evaluate((element) => element.scrollWidth - element.clientWidth), `${what}: what the box scrolls`).toBe(0);
      const box = (await wrap.boundingBox())!;
      for (const cell of await row.getByRole('cell').all()) {
        const { x, width } = (await cell.boundingBox())!;
        expect(x + width, `${what}: ${await cell.textContent()}`).toBeLessThanOrEqual(box.x + box.width);
      }
    };
    await fits('the row');
    expect(await row.getByRole('cell', { name: '€1,176.00' }).count()).toBe(1);
    // The longest question a row asks, with its two buttons.
    await row.getByRole('button', { name: `Confirm order ${short}`, exact: true }).click();
    await row.getByText('Confirm it without a payment through the provider?').waitFor();
    await fits('the row asking to confirm');
    await page.close();
  });

  it('fits the list of vendors into a 390-pixel screen: every cell of every vendor inside its box with nothing to scroll, an editor open too', async () => {
    const { row: vendor, sim } = await simulatedVendor(sut.system.container, 'a-rather-long-vendor-name-', {
      [await createProduct(sut.admin, { onHand: 0 })]: 3,
    });
    // A failed last attempt: the widest a row gets, its error under its health, two dated lines under its last sync.
    sim.simulation.startOutage(600, 'unavailable');
    await sut.system.container.vendorSync.sync(vendor);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Vendors' }).click();
    const row = page.locator(`tr[data-vendor="${sim.name}"]`);
    await row.getByText('Last attempt failed').waitFor();

    const wrap = page.locator('.table-wrap');
    const fits = async (what: string) => {
      expect(await scrollWidthOf(page), `${what}: the page`).toBeLessThanOrEqual(390);
      expect(await wrap.evaluate((element) => element.scrollWidth - element.clientWidth), `${what}: what the box scrolls`).toBe(0);
      const box = (await wrap.boundingBox())!;
      for (const vendorRow of await page.locator('tr[data-vendor]').all()) {
        for (const cell of await vendorRow.getByRole('cell').all()) {
          const { x, width } = (await cell.boundingBox())!;
          expect(x + width, `${what}: ${await cell.textContent()}`).toBeLessThanOrEqual(box.x + box.width);
        }
      }
    };
    await fits('the list');
    await row.getByRole('button', { name: `Edit ${sim.name}` }).click();
    const editor = page.locator('.row-editor');
    await editor.waitFor();
    await fits('the list with an editor open');
    const { x, width } = (await editor.boundingBox())!;
    const box = (await wrap.boundingBox())!;
    expect(x + width, 'the editor').toBeLessThanOrEqual(box.x + box.width);

    // Where the columns fit, a table still: its headers in view, each vendor one row across them.
    await page.setViewportSize({ width: 1280, height: 800 });
    const header = (await page.getByRole('columnheader', { name: 'Last sync' }).boundingBox())!;
    const cell = (await row.getByTestId('last-sync').boundingBox())!;
    expect(header.width).toBeGreaterThan(1);
    expect(cell.x).toBe(header.x);
    await page.close();
  });

  it('says why a price it cannot read was not saved, naming the field', async () => {
    const sku = await createProduct(sut.admin, { sku: firstPageSku(), onHand: 5, priceCents: 1_500, title: 'Exponent Easel' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    await page.getByRole('button', { name: `Edit ${sku}` }).click();
    const form = page.getByRole('form', { name: `Edit ${sku}` });
    // A number field takes 1e3; the console reads prices as digits, and says so rather than doing nothing.
    await form.getByLabel('Price').fill('1e3');
    await form.getByRole('button', { name: 'Save product' }).click();
    await form.getByRole('alert').filter({ hasText: 'Price' }).waitFor();
    expect(await form.getByLabel('Price').getAttribute('aria-invalid')).toBe('true');
    expect((await new Api(base).get(`/api/products/${sku}`)).body.priceCents).toBe(1_500);
    await page.close();
  });

  it('says, on the currency field, that a currency no country uses was refused, and creates nothing', async () => {
    const sku = firstPageSku();
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    const form = await fillNewProduct(page, { sku, title: 'Alphabet Abacus', price: '1.00', category: 'Outdoors', onHand: '3' });
    // Three capitals the form takes as they are; the API knows no such currency.
    await form.getByLabel('Currency').fill('ABC');
    await form.getByRole('button', { name: 'Create product' }).click();
    await form.getByRole('alert').filter({ hasText: 'Currency' }).waitFor();
    expect(await form.getByLabel('Currency').getAttribute('aria-invalid')).toBe('true');
    expect((await new Api(base).get(`/api/products/${sku}`)).status).toBe(404);
    await page.close();
  });

  it('deletes a product only once the deletion is confirmed: it leaves the list and the shop', async () => {
    const sku = await createProduct(sut.admin, { sku: firstPageSku(), onHand: 5, title: 'Doomed Dinghy' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openInventory(page);
    const row = page.locator(`tr[data-sku="${sku}"]`);
    await page.getByRole('button', { name: `Edit ${sku}` }).click();

    // Asked to confirm, the admin thinks better of it: nothing is deleted. The focus follows the
    // buttons that replace each other: Keep while asked, Delete again once kept.
    await page.getByRole('button', { name: `Delete ${sku}`, exact: true }).click();
    await expect.poll(() => hasFocus(page.getByRole('button', { name: `Keep ${sku}` }))).toBe(true);
    await page.getByRole('button', { name: `Keep ${sku}` }).click();
    await expect.poll(() => hasFocus(page.getByRole('button', { name: `Delete ${sku}`, exact: true }))).toBe(true);
    expect(await page.getByRole('button', { name: `Yes, delete ${sku}` }).count()).toBe(0);
    expect((await new Api(base).get(`/api/products/${sku}`)).status).toBe(200);

    await page.getByRole('button', { name: `Delete ${sku}`, exact: true }).click();
    await page.getByRole('button', { name: `Yes, delete ${sku}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku} (Doomed Dinghy) was deleted.` })
      .waitFor();
    await expect.poll(() => row.count()).toBe(0);
    // Its editor closed with its row: the focus is on what came of it.
    await expect.poll(() => focusedText(page)).toContain(`${sku} (Doomed Dinghy) was deleted.`);
    expect((await new Api(base).get(`/api/products/${sku}`)).status).toBe(404);
    expect((await sut.admin.get(`/api/admin/inventory?limit=100`)).body.items.map((item: { sku: string }) => item.sku)).not.toContain(sku);
    await page.close();
  });
});

describe('an order the worker has not moved on, in the admin console', () => {
  // No worker: a confirmed order stays CONFIRMED (nothing fulfils it), so the console offers Fulfil and Fail.
  const sut = useSystem({ api: true, worker: false }, { SEED_DEMO_CATALOG: 'false' });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('fails a confirmed order only once the failure is confirmed; kept, nothing is sent', async () => {
    const base = sut.system.url!;
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Failing Fiddle' });
    const [buyer] = await guests(base, 1);
    const placed = await buyer!.order([{ sku, quantity: 1 }], `fail-${sku}`);
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;
    const short = orderId.slice(0, 8);
    expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'CONFIRMED', reason: 'browser test' })).status).toBe(200);

    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: 'Orders' }).click();
    await page.getByLabel('Status').selectOption('CONFIRMED');
    const sent = orderChangesSent(page);
    const fail = page.getByRole('button', { name: `Fail order ${short}`, exact: true });
    // A click that was meant for Fulfil, one row off, only asks: kept, the order is as it was.
    await fail.click();
    await page.getByText('Fail this order?').waitFor();
    await page.getByRole('button', { name: `Keep it (order ${short})` }).click();
    await fail.waitFor();
    expect(await page.getByText('Fail this order?').count()).toBe(0);
    expect(sent).toEqual([]);
    expect((await sut.admin.get(`/api/orders/${orderId}`)).body.status).toBe('CONFIRMED');

    await fail.click();
    await page.getByRole('button', { name: `Yes, fail order ${short}` }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Order ${short} is now FAILED.` })
      .waitFor();
    expect(sent).toEqual([`PATCH /api/admin/orders/${orderId}`]);
    const failed = (await sut.admin.get(`/api/orders/${orderId}`)).body;
    expect(failed.status).toBe('FAILED');
    // No reason typed: the server's own.
    expect(failed.history.at(-1)).toMatchObject({ status: 'FAILED', actor: 'admin', reason: 'changed by an administrator' });
    await page.close();
  });
});
