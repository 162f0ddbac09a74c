import { randomBytes } from 'node:crypto';
import type { Locator, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProduct, uniqueSku } from '../support/fixtures.js';
import { Api } from '../support/http.js';
import { useSystem } from '../support/system.js';
import { type Browser, ensureWebBuilt, launchBrowser, scrollWidthOf, signInAsAdmin } from './support/browser.js';

/** The console's vendors, categories and product editing in a real browser, signed in through its own form, against the running system. */

interface VendorView {
  id: string;
  name: string;
  baseUrl: string;
  priority: number;
  enabled: boolean;
  status: string;
}

beforeAll(ensureWebBuilt, 300_000);

async function openSection(page: Page, link: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Admin' }).getByRole('link', { name: link }).click();
  await page.getByRole('heading', { level: 1, name: link }).waitFor();
}

/** A vendor name no other test uses (names are lowercase slugs). */
const uniqueVendorName = (label: string) => `${label}-${randomBytes(3).toString('hex')}`;

/** The refusal shown in the field (its `.field` box) of the input labelled `label`: beside it, not at the foot of the form. */
const refusalBeside = (form: Locator, label: string) => form.locator('.field', { has: form.page().getByLabel(label) }).getByRole('alert');

/** Whether the whole of `locator` is on a screen `width` pixels wide, with nothing to scroll sideways to reach it. */
async function onScreen(locator: Locator, width: number): Promise<boolean> {
  const box = (await locator.boundingBox())!;
  return box.x >= 0 && box.x + box.width <= width;
}

describe('vendors, categories and product editing in the admin console', () => {
  const sut = useSystem({ api: true, worker: true, vendorSim: true }, { VENDOR_SYNC_INTERVAL_SECONDS: '3600' });
  let browser: Browser;
  let base: string;
  const vendors = async () => (await sut.admin.get<VendorView[]>('/api/admin/vendors')).body;
  const vendorNamed = async (name: string) => (await vendors()).find((vendor) => vendor.name === name);

  beforeAll(async () => {
    base = sut.system.url!;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('adds a vendor that is listed and synced; a name taken and a base URL with a query are refused on their fields, adding nothing', async () => {
    const [acme] = sut.system.vendorSim!.vendors;
    const name = uniqueVendorName('acme');
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openSection(page, 'Vendors');
    await page.getByRole('button', { name: 'New vendor' }).click();
    const form = page.getByRole('form', { name: 'New vendor' });
    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Base URL').fill(acme!.url);
    await form.getByLabel('Priority').fill('30');
    await form.getByRole('button', { name: 'Add vendor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${name} added: priority 30, enabled, ${acme!.url}; its first sync is queued.` })
      .waitFor();
    expect(await vendorNamed(name)).toMatchObject({ baseUrl: acme!.url, priority: 30, enabled: true });
    // Ready for the next vendor.
    expect(await form.getByLabel('Name').inputValue()).toBe('');

    // Listed, and its first sync (queued by the API as it was added) shows in its row.
    const row = page.locator(`tr[data-vendor="${name}"]`);
    expect(await row.getByTestId('priority').textContent()).toBe('30');
    await expect.poll(() => row.getByTestId('health').textContent(), { timeout: 60_000 }).toBe('ok');

    await form.getByLabel('Name').fill(name);
    await form.getByLabel('Base URL').fill(acme!.url);
    await form.getByRole('button', { name: 'Add vendor' }).click();
    await refusalBeside(form, 'Name')
      .filter({ hasText: `a vendor named ${name} already exists` })
      .waitFor();
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Base URL').getAttribute('aria-invalid')).toBeNull();
    expect((await vendors()).filter((vendor) => vendor.name === name)).toHaveLength(1);

    // A URL the browser takes, and the API does not: its paths would be appended after the query.
    const other = uniqueVendorName('query');
    await form.getByLabel('Name').fill(other);
    await form.getByLabel('Base URL').fill('https://vendor.example/api?key=secret');
    await form.getByRole('button', { name: 'Add vendor' }).click();
    await refusalBeside(form, 'Base URL').filter({ hasText: 'Base URL: a base URL without a query, a fragment or credentials' }).waitFor();
    expect(await form.getByLabel('Base URL').getAttribute('aria-invalid')).toBe('true');
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBeNull();
    // What was typed is kept, to be put right.
    expect(await form.getByLabel('Name').inputValue()).toBe(other);
    expect(await vendorNamed(other)).toBeUndefined();
    await page.close();
  });

  it('re-prioritises, disables, enables and renames a vendor from its row, as the API then says; a name taken is refused on the field', async () => {
    const [acme, globex] = sut.system.vendorSim!.vendors;
    const first = (await sut.admin.post('/api/admin/vendors', { name: uniqueVendorName('first'), baseUrl: acme!.url, priority: 100 }))
      .body as VendorView;
    const second = (await sut.admin.post('/api/admin/vendors', { name: uniqueVendorName('second'), baseUrl: globex!.url, priority: 200 }))
      .body as VendorView;
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openSection(page, 'Vendors');
    const rowNames = () => page.locator('tr[data-vendor]').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-vendor')));
    expect((await rowNames()).indexOf(first.name)).toBeLessThan((await rowNames()).indexOf(second.name));

    await page.getByRole('button', { name: `Edit ${second.name}` }).click();
    const form = page.getByRole('form', { name: `Edit ${second.name}` });
    expect(await form.getByLabel('Priority').inputValue()).toBe('200');
    await form.getByLabel('Priority').fill('50');
    await form.getByRole('button', { name: 'Save vendor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${second.name} saved: priority 50, enabled, ${globex!.url}.` })
      .waitFor();
    expect(await vendorNamed(second.name)).toMatchObject({ priority: 50, enabled: true });
    // The list is by priority: the second vendor is asked first now.
    await expect.poll(async () => (await rowNames()).indexOf(second.name) < (await rowNames()).indexOf(first.name)).toBe(true);
    expect((await vendors()).findIndex((vendor) => vendor.id === second.id)).toBeLessThan(
      (await vendors()).findIndex((vendor) => vendor.id === first.id),
    );

    const row = page.locator(`tr[data-vendor="${second.name}"]`);
    await form.getByLabel('Enabled').uncheck();
    await form.getByRole('button', { name: 'Save vendor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${second.name} saved: priority 50, disabled, ${globex!.url}.` })
      .waitFor();
    expect(await vendorNamed(second.name)).toMatchObject({ enabled: false, status: 'disabled', priority: 50 });
    await expect.poll(() => row.getByTestId('health').textContent()).toBe('disabled');
    expect(await row.getByRole('button', { name: `Sync now ${second.name}` }).isDisabled()).toBe(true);

    await form.getByLabel('Enabled').check();
    await form.getByRole('button', { name: 'Save vendor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${second.name} saved: priority 50, enabled, ${globex!.url}.` })
      .waitFor();
    expect(await vendorNamed(second.name)).toMatchObject({ enabled: true });
    // Enabled again, it is synced at once.
    await expect.poll(() => row.getByTestId('health').textContent(), { timeout: 60_000 }).toBe('ok');

    // Another vendor's name is refused, on the name, and nothing changes.
    await form.getByLabel('Name').fill(first.name);
    await form.getByRole('button', { name: 'Save vendor' }).click();
    await refusalBeside(form, 'Name')
      .filter({ hasText: `a vendor named ${first.name} already exists` })
      .waitFor();
    expect(await form.getByLabel('Name').getAttribute('aria-invalid')).toBe('true');
    expect((await vendors()).find((vendor) => vendor.id === second.id)).toMatchObject({ name: second.name });

    const renamed = uniqueVendorName('renamed');
    await form.getByLabel('Name').fill(renamed);
    await form.getByRole('button', { name: 'Save vendor' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${renamed} saved:` })
      .waitFor();
    expect((await vendors()).find((vendor) => vendor.id === second.id)).toMatchObject({
      name: renamed,
      priority: 50,
      enabled: true,
      baseUrl: globex!.url,
    });
    expect(
      await page
        .getByRole('form', { name: `Edit ${renamed}` })
        .getByRole('alert')
        .count(),
    ).toBe(0);
    await page.close();
  });

  it('creates a category that the new-product form offers at once, and a product in it; a slug taken is refused on its field', async () => {
    const suffix = randomBytes(3).toString('hex');
    const name = `Garden Gnomes ${suffix}`;
    const slug = `garden-gnomes-${suffix}`;
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openSection(page, 'Products and stock');
    // The new-product form is open first: its list of categories must take the new one without a reload.
    await page.getByRole('button', { name: 'New product' }).click();
    const product = page.getByRole('form', { name: 'New product' });
    await product.getByLabel('Category').waitFor();
    expect(await product.getByRole('option', { name }).count()).toBe(0);

    await page.getByRole('button', { name: 'New category' }).click();
    const form = page.getByRole('form', { name: 'New category' });
    await form.getByLabel('Name').fill(name);
    // The slug follows the name until one is typed.
    expect(await form.getByLabel('Slug').inputValue()).toBe(slug);
    await form.getByRole('button', { name: 'Create category' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `Category ${name} (${slug}) created.` })
      .waitFor();
    expect((await new Api(base).get('/api/categories')).body.items).toContainEqual({ slug, name });
    expect(await form.getByLabel('Name').inputValue()).toBe('');

    const sku = uniqueSku('A');
    await product.getByLabel('SKU').fill(sku);
    await product.getByLabel('Title').fill('Gnome With Lantern');
    await product.getByLabel('Price').fill('19.90');
    await product.getByLabel('Category').selectOption({ label: name });
    await product.getByRole('button', { name: 'Create product' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku} created` })
      .waitFor();
    expect((await new Api(base).get(`/api/products/${sku}`)).body).toMatchObject({ sku, category: slug, priceCents: 1_990 });

    await form.getByLabel('Name').fill('Garden gnomes again');
    await form.getByLabel('Slug').fill(slug);
    await form.getByRole('button', { name: 'Create category' }).click();
    await refusalBeside(form, 'Slug')
      .filter({ hasText: `category ${slug} already exists` })
      .waitFor();
    expect(await form.getByLabel('Slug').getAttribute('aria-invalid')).toBe('true');
    expect((await new Api(base).get('/api/categories')).body.items).toContainEqual({ slug, name });
    await page.close();
  });

  it('edits a product’s title, price, description and category, as the shop then shows; a title of spaces is refused on its field', async () => {
    expect([201, 409]).toContain((await sut.admin.post('/api/admin/categories', { slug: 'kitchen', name: 'Kitchen' })).status);
    const sku = await createProduct(sut.admin, { sku: uniqueSku('A'), onHand: 4, priceCents: 1_200, title: 'Plain Pot' });
    const page = await browser.newPage();
    await signInAsAdmin(page, base);
    await openSection(page, 'Products and stock');
    await page.getByRole('button', { name: `Edit ${sku}` }).click();
    const form = page.getByRole('form', { name: `Edit ${sku}` });
    expect(await form.getByLabel('Category').inputValue()).toBe('test');

    // Spaces pass the browser's `required`; the API trims them and refuses what is left.
    await form.getByLabel('Title').fill('   ');
    await form.getByRole('button', { name: 'Save product' }).click();
    await refusalBeside(form, 'Title').filter({ hasText: 'Title:' }).waitFor();
    expect(await form.getByLabel('Title').getAttribute('aria-invalid')).toBe('true');
    expect((await new Api(base).get(`/api/products/${sku}`)).body).toMatchObject({ title: 'Plain Pot', category: 'test' });

    await form.getByLabel('Title').fill('Painted Pot');
    await form.getByLabel('Price').fill('14.50');
    await form.getByLabel('Description').fill('Glazed inside, painted by hand outside.');
    await form.getByLabel('Category').selectOption({ label: 'Kitchen' });
    await form.getByRole('button', { name: 'Save product' }).click();
    await page
      .getByRole('status')
      .filter({ hasText: `${sku} saved: Painted Pot, €14.50.` })
      .waitFor();
    expect(await form.getByRole('alert').count()).toBe(0);
    expect((await new Api(base).get(`/api/products/${sku}`)).body).toMatchObject({
      title: 'Painted Pot',
      priceCents: 1_450,
      description: 'Glazed inside, painted by hand outside.',
      category: 'kitchen',
    });
    expect((await new Api(base).get('/api/products?category=kitchen&limit=100')).body.items.map((item: { sku: string }) => item.sku)).toContain(sku);
    await page.close();
  });

  it('fits the new forms into a 390-pixel screen: each field and button on screen, the page no wider', async () => {
    const [acme] = sut.system.vendorSim!.vendors;
    const vendor = (await sut.admin.post('/api/admin/vendors', { name: uniqueVendorName('narrow'), baseUrl: acme!.url })).body as VendorView;
    const sku = await createProduct(sut.admin, { sku: uniqueSku('A'), onHand: 2 });
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAsAdmin(page, base);
    const fits = async (form: Locator, what: string) => {
      expect(await scrollWidthOf(page), what).toBeLessThanOrEqual(390);
      // A product's editor loads the product first: its button is there once its fields are.
      await form.getByRole('button').first().waitFor();
      const controls = await form.locator('input, select, textarea, button').all();
      expect(controls.length, what).toBeGreaterThanOrEqual(3);
      // Not scrolled into view: that would scroll a table's box sideways too, to what is past the screen's edge.
      for (const control of controls) {
        expect(await onScreen(control, 390), `${what}: ${(await control.getAttribute('name')) ?? (await control.textContent())}`).toBe(true);
      }
    };

    await openSection(page, 'Vendors');
    await page.getByRole('button', { name: 'New vendor' }).click();
    await fits(page.getByRole('form', { name: 'New vendor' }), 'the new-vendor form');
    await page.getByRole('button', { name: `Edit ${vendor.name}` }).click();
    await fits(page.getByRole('form', { name: `Edit ${vendor.name}` }), 'a vendor’s editor');

    await openSection(page, 'Products and stock');
    await page.getByRole('button', { name: 'New category' }).click();
    await fits(page.getByRole('form', { name: 'New category' }), 'the new-category form');
    await page.getByRole('button', { name: 'New product' }).click();
    await fits(page.getByRole('form', { name: 'New product' }), 'the new-product form');
    await page.getByRole('button', { name: `Edit ${sku}` }).click();
    await fits(page.getByRole('form', { name: `Edit ${sku}` }), 'a product’s editor');
    await page.close();
  });
});
