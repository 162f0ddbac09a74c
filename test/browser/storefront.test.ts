import { randomUUID } from 'node:crypto';
import { createServer, request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createSigner } from 'fast-jwt';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FIRST_LOAD_BUDGET_BYTES, firstLoadJavaScript } from '../../scripts/build-web.js';
import { createProduct, uniqueSku } from '../support/fixtures.js';
import { Api } from '../support/http.js';
import { orderPaidAfterCancel } from '../support/payments.js';
import { useSystem } from '../support/system.js';
import {
  type Browser,
  ensureWebBuilt,
  focusedText,
  hasFocus,
  launchBrowser,
  orderChangesSent,
  screenshot,
  scrollWidthOf,
} from './support/browser.js';

/**
 * The storefront in a real browser (Debian's Chromium through playwright-core), against flashcart
 * running with its demo catalog and serving the web UI it built. Selectors are roles and labels:
 * what a screen reader user finds is what the test finds.
 */

/** How long the tokens of the expiry tests live. */
const SHORT_TOKEN_SECONDS = 10;

async function fillCheckout(page: Page, email: string): Promise<void> {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Full name').fill('Ada Lovelace');
  await page.getByLabel('Address', { exact: true }).fill('12 Analytical Street');
  await page.getByLabel('City').fill('London');
  await page.getByLabel('Postal code').fill('N1 9GU');
  await page.getByLabel('Country').selectOption('GB');
}

/** Opens a product, asks to buy `quantity` at once, and fills the checkout that follows as `email`. */
async function buyNowToCheckout(page: Page, baseUrl: string, product: { sku: string; left: string; quantity?: string }, email: string) {
  await page.goto(`${baseUrl}/products/${product.sku}`);
  await expect.poll(() => page.getByTestId('stock').textContent()).toBe(product.left);
  if (product.quantity) await page.getByLabel('Quantity').fill(product.quantity);
  await page.getByRole('button', { name: 'Buy now' }).click();
  await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
  await fillCheckout(page, email);
}

/** Another buyer, a guest of its own, orders `quantity` units of `sku` (while the one in the browser types). */
async function rivalTakes(baseUrl: string, sku: string, quantity: number): Promise<void> {
  const rival = new Api(baseUrl, (await new Api(baseUrl).post('/api/auth/guest')).body.token);
  expect((await rival.order([{ sku, quantity }], `rival-${sku}`)).status).toBe(202);
}

/** Makes the browser's tabs one shopper: the session the web UI keeps in localStorage. */
async function signInAs(page: Page, baseUrl: string, session: { token: string; user: unknown }): Promise<void> {
  await page.goto(`${baseUrl}/signin`);
  // Runs in the page, where localStorage exists; the test's own types know no DOM.
  await page.evaluate((value) => (globalThis as any).localStorage.setItem('flashcart.session', JSON.stringify(value)), session);
}

/**
 * A reverse proxy in front of `target` that passes HTTP and drops every WebSocket upgrade, as some
 * proxies and balancers do; `upgrades` counts those it dropped.
 */
async function proxyWithoutWebSockets(target: string) {
  const { hostname, port } = new URL(target);
  const proxy = createServer((request, response) => {
    const upstream = httpRequest({ hostname, port, method: request.method, path: request.url, headers: request.headers }, (answer) => {
      response.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(response);
    });
    upstream.on('error', () => response.destroy());
    request.pipe(upstream);
  });
  const dropped = { upgrades: 0 };
  proxy.on('upgrade', (_request, socket) => {
    dropped.upgrades++;
    socket.destroy();
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
    dropped,
    close: () => {
      proxy.closeAllConnections();
      return new Promise<void>((resolve) => proxy.close(() => resolve()));
    },
  };
}

// Built before the system starts: the API reads web/dist/index.html when it builds its routes.
beforeAll(ensureWebBuilt, 300_000);

describe('the storefront in a browser', () => {
  const sut = useSystem({ api: true, worker: true, pspSim: true, mailSink: true }, { SEED_DEMO_CATALOG: 'true' });
  let browser: Browser;
  let base: string;

  beforeAll(async () => {
    base = sut.system.url!;
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  /** A new guest with one unit of a new product `title` in the cart, on the checkout page filled in as `email`; and the guest's API. */
  async function cartAtCheckout(title: string, email: string) {
    const sku = await createProduct(sut.admin, { onHand: 5, title, priceCents: 3_000 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    expect((await buyer.post('/api/cart/items', { sku, quantity: 1 })).status).toBe(200);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/checkout`);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await fillCheckout(page, email);
    return { guest, buyer, page };
  }

  /** A new guest's page with one unit of `title` in its cart, the drawer open and settled; and the guest's API. */
  async function guestCartWithOne(sku: string, title: string) {
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/products/${sku}`);
    await page.getByRole('button', { name: `Add to cart ${title}` }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    const quantity = drawer.getByLabel(`Quantity of ${title}`);
    await expect.poll(() => quantity.inputValue()).toBe('1');
    // The line is busy (aria-busy) until the server has answered the add.
    await drawer.locator('[data-sku][aria-busy=true]').waitFor({ state: 'detached' });
    return { page, drawer, quantity, cart: new Api(base, guest.token) };
  }

  it('keeps the first load under its JavaScript budget, the admin console in a chunk of its own', async () => {
    const { files, gzipBytes } = await firstLoadJavaScript();
    expect(gzipBytes).toBeLessThanOrEqual(FIRST_LOAD_BUDGET_BYTES);
    expect(files.some((file) => file.includes('AdminApp'))).toBe(false);
  });

  /**
   * Watches a page's requests: `since()` marks a moment, `readSince(path)` counts the GETs of `path`
   * (and of its query strings) after it; `guestsMade` counts the guest sessions the page made.
   */
  function watchRequests(page: Page) {
    const requests: { method: string; path: string }[] = [];
    let mark = 0;
    page.on('request', (request) => requests.push({ method: request.method(), path: new URL(request.url()).pathname }));
    return {
      since: () => {
        mark = requests.length;
      },
      readSince: (path: string) => requests.slice(mark).filter((r) => r.method === 'GET' && r.path === path).length,
      guestsMade: () => requests.filter((r) => r.method === 'POST' && r.path === '/api/auth/guest').length,
    };
  }

  it('lets a first-time visitor browse: home, a category, a search, a product with its stock live, as it moves, without a session', async () => {
    const page = await browser.newPage();
    const requests = watchRequests(page);
    await page.goto(`${base}/`);
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Flash sales that never oversell');
    await page.getByRole('heading', { name: 'Featured' }).waitFor();
    await page.locator('.product-card').first().waitFor();
    await screenshot(page, 'storefront-home');

    await page.getByRole('navigation', { name: 'Categories' }).getByRole('link', { name: 'Electronics' }).click();
    await page.getByRole('heading', { level: 1, name: 'Electronics' }).waitFor();
    await page.getByRole('link', { name: 'Limited Edition Mechanical Keyboard' }).waitFor();
    // Each page has a title of its own, in the tab, the history and to a screen reader.
    await expect.poll(() => page.title()).toBe('Electronics — flashcart');

    await page.getByLabel('Search products').fill('keyboard');
    await page.getByLabel('Search products').press('Enter');
    await page.getByRole('heading', { level: 1, name: 'Results for “keyboard”' }).waitFor();
    await expect.poll(() => page.title()).toBe('Results for “keyboard” — flashcart');
    await page.getByRole('link', { name: 'Limited Edition Mechanical Keyboard' }).click();

    await page.getByRole('heading', { level: 1, name: 'Limited Edition Mechanical Keyboard' }).waitFor();
    await expect.poll(() => page.title()).toBe('Limited Edition Mechanical Keyboard — flashcart');
    const stock = page.getByTestId('stock');
    await expect.poll(() => stock.textContent()).toBe('10 in stock');
    await screenshot(page, 'product');

    // Stock moves on the server: the open page is told, over its live connection, without reading the
    // product again (it had polled every 10 s, a visitor without a session having no connection).
    requests.since();
    expect((await sut.admin.post('/api/admin/inventory/FLASH-001/adjust', { delta: -7, reason: 'browser test' })).status).toBe(200);
    await expect.poll(() => stock.textContent(), { timeout: 60_000 }).toBe('Only 3 left');
    expect(requests.readSince('/api/products/FLASH-001')).toBe(0);
    expect(requests.guestsMade()).toBe(0);
    await page.close();
  });

  it('shows an admin’s new price on an open product page at once, over its live connection', async () => {
    const sku = await createProduct(sut.admin, { onHand: 9, title: 'Repriced Radio', priceCents: 4_200 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    const stock = page.getByTestId('stock');
    await expect.poll(() => stock.textContent()).toBe('9 in stock');
    // The page's watch is live once a stock change reaches it without a new read.
    expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -1, reason: 'browser test' })).status).toBe(200);
    await expect.poll(() => stock.textContent(), { timeout: 30_000 }).toBe('8 in stock');

    expect((await sut.admin.patch(`/api/admin/products/${sku}`, { priceCents: 3_999 })).status).toBe(200);
    // Well before the page's own read once a minute.
    await expect.poll(() => page.locator('main .price').first().textContent(), { timeout: 30_000 }).toBe('€39.99');
    await page.close();
  });

  it('keeps the stock a product list shows live, without a reload', async () => {
    const sku = await createProduct(sut.admin, { onHand: 12, title: 'Listed Lantern', priceCents: 1_900 });
    const page = await browser.newPage();
    const requests = watchRequests(page);
    await page.goto(`${base}/`);
    await page.getByLabel('Search products').fill('Listed Lantern');
    await page.getByLabel('Search products').press('Enter');
    const card = page.locator('.product-card', { has: page.getByRole('link', { name: 'Listed Lantern' }) });
    const stock = card.locator('.stock');
    await expect.poll(() => stock.textContent()).toBe('12 in stock');

    requests.since();
    expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: -10, reason: 'browser test' })).status).toBe(200);
    await expect.poll(() => stock.textContent(), { timeout: 60_000 }).toBe('Only 2 left');
    expect(requests.readSince('/api/products')).toBe(0);
    expect(requests.guestsMade()).toBe(0);
    await page.close();
  });

  it('shows an order with its reservation countdown, and its status as it changes', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Countdown Lamp', priceCents: 2_500 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const placed = await new Api(base, guest.token).order([{ sku, quantity: 2 }], `browser-${sku}`, { customerEmail: 'ada@example.test' });
    expect(placed.status).toBe(202);

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${placed.body.id}`);
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('PENDING');
    const countdown = page.getByRole('timer');
    const first = await countdown.textContent();
    expect(first).toMatch(/^1[45]:\d\d$/);
    await expect.poll(() => countdown.textContent(), { timeout: 10_000 }).not.toBe(first);
    await screenshot(page, 'order');

    // The order moves on the server (as a payment would move it): the page follows on its own.
    expect((await sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: 'CANCELLED', reason: 'browser test' })).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('CANCELLED');
    await page.getByText('This order was cancelled').waitFor();
    expect(await page.getByRole('timer').count()).toBe(0);

    await page.getByRole('link', { name: 'Orders', exact: true }).click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    await page.getByRole('link', { name: placed.body.id.slice(0, 8) }).waitFor();
    await page.close();
  });

  it('says a payment that arrived after the order was cancelled is being refunded, not that nothing was charged', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Late Lute', priceCents: 4_400 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    // Cancelled in another tab while the payment page was open; then paid there all the same.
    const orderId = await orderPaidAfterCancel(new Api(base, guest.token), sut.system.pspSimUrl!, sku, 1);

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${orderId}`);
    await page.getByText('This order was cancelled; its items went back on sale. Your payment of €44.00 is being refunded.').waitFor();
    expect(await page.getByText('Nothing was charged').count()).toBe(0);
    await page.close();
  });

  it('cancels an order only once the buyer confirms: kept, nothing is sent and the order stays PENDING', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Second Thoughts Stool', priceCents: 4_000 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    const placed = await buyer.order([{ sku, quantity: 1 }], `confirm-${sku}`);
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${orderId}`);
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('PENDING');
    const sent = orderChangesSent(page);
    const cancel = page.getByRole('button', { name: 'Cancel order', exact: true });
    const keep = page.getByRole('button', { name: 'Keep it' });
    const isFocused = (button: typeof cancel) => button.evaluate((element) => element === (globalThis as any).document.activeElement);

    // The first click only asks; the buyer thinks better of it.
    await cancel.click();
    await page.getByText('Cancel this order?').waitFor();
    expect(await cancel.count()).toBe(0);
    await expect.poll(() => isFocused(keep)).toBe(true);
    expect((await buyer.get(`/api/orders/${orderId}`)).body.status).toBe('PENDING');
    await keep.click();
    await cancel.waitFor();
    await expect.poll(() => isFocused(cancel)).toBe(true);
    expect(await page.getByText('Cancel this order?').count()).toBe(0);
    expect(sent).toEqual([]);
    expect((await buyer.get(`/api/orders/${orderId}`)).body.status).toBe('PENDING');
    expect(await status.getAttribute('data-status')).toBe('PENDING');

    // Asked again and confirmed, it is cancelled.
    await cancel.click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    await expect.poll(() => status.getAttribute('data-status')).toBe('CANCELLED');
    expect(sent).toEqual([`POST /api/orders/${orderId}/cancel`]);
    const cancelled = (await buyer.get(`/api/orders/${orderId}`)).body;
    expect(cancelled.status).toBe('CANCELLED');
    // In the same words as a cancellation through the API: the server's.
    expect(cancelled.history.at(-1)).toMatchObject({ status: 'CANCELLED', actor: 'customer', reason: 'cancelled by the customer' });
    // The buttons that had the focus are gone: it is on the order's new status.
    await expect.poll(() => hasFocus(page.getByRole('heading', { name: 'Status: CANCELLED' }))).toBe(true);
    await page.close();
  });

  it('tells a buyer who checks out that the item sold out meanwhile, and places nothing', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1, title: 'Last Teapot', priceCents: 3_000 });
    const page = await browser.newPage();
    await buyNowToCheckout(page, base, { sku, left: 'Only 1 left' }, 'late@example.test');
    // Another buyer takes the last unit while this one types.
    await rivalTakes(base, sku, 1);

    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Last Teapot sold out while you were checking out.' }).waitFor();
    // A refusal that names no field of the form: the focus is on the message.
    await expect.poll(() => focusedText(page)).toContain('Last Teapot sold out while you were checking out.');
    expect(page.url()).toContain('/checkout');
    const orders = await sut.admin.get('/api/admin/orders?limit=100');
    expect(orders.body.items.filter((order: { items: { sku: string }[] }) => order.items.some((item) => item.sku === sku))).toHaveLength(1);
    await page.close();
  });

  it('offers a buyer who asked for more units than are left to order those instead, keeping what was typed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3, title: 'Short Teapot', priceCents: 2_500 });
    const page = await browser.newPage();
    await buyNowToCheckout(page, base, { sku, left: 'Only 3 left', quantity: '3' }, 'short@example.test');
    // Another buyer takes one of the three while this one types.
    await rivalTakes(base, sku, 1);

    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Only 2 of Short Teapot are left.' }).waitFor();
    await page.getByRole('button', { name: 'Order 2 instead' }).click();
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    await page.getByRole('button', { name: 'Place order and pay €50.00' }).click();

    // The simulator's page: the order holds the two units that were left.
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    const orderId = await page.locator('dt:text-is("Order") + dd').textContent();
    const order = (await sut.admin.get(`/api/orders/${orderId}`)).body;
    expect(order.items).toEqual([expect.objectContaining({ sku, quantity: 2 })]);
    expect(order.customerEmail).toBe('short@example.test');
    await page.close();
  });

  it('names the same order when a buyer goes Back from the payment page and places it again, and a new one once it is paid', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Back Kettle', priceCents: 2_500 });
    const page = await browser.newPage();
    const orderOnSimulator = async () => {
      await page.getByRole('button', { name: /^Pay / }).waitFor();
      return page.locator('dt:text-is("Order") + dd').textContent();
    };
    await buyNowToCheckout(page, base, { sku, left: '10 in stock' }, 'back@example.test');
    await page.getByRole('button', { name: /Place order/ }).click();
    const first = await orderOnSimulator();

    // Back to the shop's checkout, the same form sent again: the same order, not a second holding stock.
    await page.goBack();
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await fillCheckout(page, 'back@example.test');
    await page.getByRole('button', { name: /Place order/ }).click();
    expect(await orderOnSimulator()).toBe(first);
    expect((await sut.admin.get(`/api/products/${sku}`)).body.available).toBe(9);

    // Paid, the same purchase once more is a new order.
    await page.getByRole('button', { name: /^Pay / }).click();
    await page.getByText('Payment succeeded.').waitFor();
    // The simulator's page reloads itself until its webhook is through, then stays: leave it then.
    await page.getByText(/^The shop was notified/).waitFor();
    await buyNowToCheckout(page, base, { sku, left: '9 in stock' }, 'back@example.test');
    await page.getByRole('button', { name: /Place order/ }).click();
    const second = await orderOnSimulator();
    expect(second).not.toBe(first);
    expect((await sut.admin.get(`/api/products/${sku}`)).body.available).toBe(8);
    await page.close();
  });

  it('places a new order for a cart filled again after its last checkout, not the one that checkout placed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Refilled Ramekin', priceCents: 900 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    const checkOutCart = async () => {
      expect((await buyer.post('/api/cart/items', { sku, quantity: 1 })).status).toBe(200);
      await page.goto(`${base}/checkout`);
      await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
      await fillCheckout(page, 'refill@example.test');
      await page.getByRole('button', { name: /Place order/ }).click();
      await page.getByRole('button', { name: /^Pay / }).waitFor();
      return page.locator('dt:text-is("Order") + dd').textContent();
    };
    const first = await checkOutCart();
    // Unpaid, the same details sent for the cart filled again: a second order, the new line in it.
    const second = await checkOutCart();
    expect(second).not.toBe(first);
    expect((await sut.admin.get(`/api/products/${sku}`)).body.available).toBe(8);
    expect((await buyer.get('/api/cart')).body.items).toEqual([]);
    await page.close();
  });

  it('lets a guest fill a cart, see it in a second tab, check out, pay on the simulator and see the order CONFIRMED', async () => {
    const sku = await createProduct(sut.admin, { onHand: 20, title: 'Flow Kettle', priceCents: 4_200 });
    const shop = await browser.newPage();
    const secondTab = await browser.newPage();
    await shop.goto(`${base}/products/${sku}`);
    await shop.getByLabel('Quantity').fill('2');
    await shop.getByRole('button', { name: 'Add to cart Flow Kettle' }).click();
    const drawer = shop.getByRole('dialog', { name: 'Your cart' });
    await expect.poll(() => drawer.getByLabel('Quantity of Flow Kettle').inputValue()).toBe('2');
    // The line is busy (aria-busy) until the server has answered the add.
    await drawer.locator('[data-sku][aria-busy=true]').waitFor({ state: 'detached' });
    await screenshot(shop, 'cart');

    // The same shopper in another tab sees the cart, and sees it change when the first tab changes it.
    await secondTab.goto(`${base}/`);
    const secondCount = secondTab.getByTestId('cart-button');
    await expect.poll(() => secondCount.textContent()).toContain('2');
    expect(await secondCount.textContent()).toBe('Cart 2 items');
    await drawer.getByLabel('Quantity of Flow Kettle').fill('3');
    await expect.poll(() => secondCount.textContent(), { timeout: 30_000 }).toContain('3');

    await drawer.getByRole('link', { name: 'Check out' }).click();
    await shop.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await fillCheckout(shop, 'ada@example.test');
    await shop.getByRole('button', { name: /Place order and pay/ }).click();

    // The simulator's page, on its own origin. The second tab opens the order before it is paid.
    const payButton = shop.getByRole('button', { name: /^Pay / });
    await payButton.waitFor();
    const orderId = await shop.locator('dt:text-is("Order") + dd').textContent();
    const order = (await sut.admin.get(`/api/orders/${orderId}`)).body;
    expect(order.items).toEqual([expect.objectContaining({ sku, quantity: 3 })]);
    await secondTab.goto(`${base}/orders/${orderId}`);
    const secondStatus = secondTab.getByTestId('order-status');
    await expect.poll(() => secondStatus.getAttribute('data-status')).toBe('PENDING');

    await payButton.click();
    await shop.getByText('Payment succeeded.').waitFor();
    // Paid: CONFIRMED, and FULFILLED a moment later (the stock is the warehouse's own). The second tab follows live.
    await expect.poll(() => secondStatus.getAttribute('data-status'), { timeout: 60_000 }).toMatch(/^(CONFIRMED|FULFILLED)$/);

    // The simulator's page says so too, reloading itself until its webhook is through; its way back
    // leads to the shop's page of the order.
    await shop.getByText(/^The shop was notified/).waitFor();
    await shop.getByRole('link', { name: 'Back to the shop' }).click();
    await shop.waitForURL(`${base}/orders/${orderId}`);
    await expect.poll(() => shop.getByTestId('order-status').getAttribute('data-status')).toMatch(/^(CONFIRMED|FULFILLED)$/);
    await expect.poll(() => secondCount.textContent()).toContain('0');
    await shop.close();
    await secondTab.close();
  });

  it('says a declined payment is why the order was cancelled, once the buyer is back from the simulator', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Declined Drum', priceCents: 2_600 });
    const page = await browser.newPage();
    await buyNowToCheckout(page, base, { sku, left: 'Only 5 left' }, 'declined@example.test');
    await page.getByRole('button', { name: /Place order and pay/ }).click();
    await page.getByRole('button', { name: 'Decline' }).click();
    await page.getByText('Payment declined.').waitFor();
    await page.getByRole('link', { name: 'Back to the shop' }).click();
    // Polled: a live update of the status comes a moment before the order's history, which names who cancelled it.
    await expect
      .poll(() => page.getByTestId('order-status').textContent(), { timeout: 60_000 })
      .toBe('Your payment did not go through, so this order was cancelled and its items went back on sale. Nothing was charged.');
    // Its items lead back to their pages, to be bought again.
    await page.getByRole('region', { name: 'Items' }).getByRole('link', { name: 'Declined Drum' }).click();
    await page.getByRole('heading', { level: 1, name: 'Declined Drum' }).waitFor();
    await page.close();
  });

  it('puts a cancelled order’s items back in the cart, as much as each line held, and says which could not come back', async () => {
    const kept = await createProduct(sut.admin, { onHand: 5, title: 'Again Apron', priceCents: 1_500 });
    const gone = await createProduct(sut.admin, { onHand: 2, title: 'Gone Gong', priceCents: 9_000 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    const placed = await buyer.order(
      [
        { sku: kept, quantity: 2 },
        { sku: gone, quantity: 2 },
      ],
      `again-${kept}`,
    );
    expect(placed.status).toBe(202);
    expect((await buyer.post(`/api/orders/${placed.body.id}/cancel`)).status).toBe(200);
    // Meanwhile another buyer takes what the cancel gave back of one of them.
    const other = new Api(base, (await new Api(base).post('/api/auth/guest')).body.token);
    expect((await other.order([{ sku: gone, quantity: 2 }], `again-other-${gone}`)).status).toBe(202);

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${placed.body.id}`);
    await page.getByRole('button', { name: 'Put these items back in your cart' }).click();
    await page.getByText('1 of 2 items are back in your cart. Gone Gong is sold out.').waitFor();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    expect(await drawer.getByLabel('Quantity of Again Apron').inputValue()).toBe('2');
    const cart = (await buyer.get('/api/cart')).body;
    expect(cart.items.map(({ sku, quantity }: { sku: string; quantity: number }) => ({ sku, quantity }))).toEqual([{ sku: kept, quantity: 2 }]);
    await page.close();
  });

  it('keeps a cart line while its quantity is being retyped, and sets the new quantity', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Retyped Mug', priceCents: 900 });
    const { page, quantity, cart } = await guestCartWithOne(sku, 'Retyped Mug');
    // The header's count, as it is read out: one item, not "1 items".
    expect(await page.getByTestId('cart-button').textContent()).toBe('Cart 1 item');

    // As a keyboard user changes a number: erase it, then type the new one.
    await quantity.press('End');
    await quantity.press('Backspace');
    await quantity.press('3');
    await expect.poll(() => quantity.inputValue()).toBe('3');
    await expect.poll(async () => (await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([3]);
    await page.close();
  });

  it('lets a buyer retype the quantity on a product page', async () => {
    const sku = await createProduct(sut.admin, { onHand: 20, title: 'Retyped Rug', priceCents: 5_000 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    const quantity = page.getByLabel('Quantity', { exact: true });
    await expect.poll(() => quantity.inputValue()).toBe('1');
    await quantity.press('End');
    await quantity.press('Backspace');
    await quantity.press('5');
    await expect.poll(() => quantity.inputValue()).toBe('5');
    await page.getByRole('button', { name: 'Add to cart Retyped Rug' }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await expect.poll(() => drawer.getByLabel('Quantity of Retyped Rug').inputValue()).toBe('5');
    await page.close();
  });

  it('offers no quantity to choose on the page of a sold-out product, and offers it again when stock comes', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0, title: 'Absent Accordion', priceCents: 700 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    const quantity = page.getByLabel('Quantity', { exact: true });
    await page.getByTestId('stock').filter({ hasText: 'Sold out' }).waitFor();
    expect(await quantity.isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Sold out Absent Accordion' }).isDisabled()).toBe(true);
    expect(await page.getByRole('button', { name: 'Buy now' }).isDisabled()).toBe(true);

    expect((await sut.admin.post(`/api/admin/inventory/${sku}/adjust`, { delta: 3 })).status).toBe(200);
    await page.getByTestId('stock').filter({ hasText: 'Only 3 left' }).waitFor({ timeout: 30_000 });
    expect(await quantity.isDisabled()).toBe(false);
    await page.close();
  });

  it('says why a product page quantity cannot be added, rather than adding another one', async () => {
    const sku = await createProduct(sut.admin, { onHand: 18, title: 'Bounded Banjo', priceCents: 5 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    const quantity = page.getByLabel('Quantity', { exact: true });
    const add = page.getByRole('button', { name: 'Add to cart Bounded Banjo' });
    const buyNow = page.getByRole('button', { name: 'Buy now' });
    await expect.poll(() => quantity.inputValue()).toBe('1');

    await quantity.fill('25');
    await page.getByRole('alert').filter({ hasText: 'Only 18 left: 25 cannot be added.' }).waitFor();
    expect(await quantity.inputValue()).toBe('25');
    expect([await add.isDisabled(), await buyNow.isDisabled()]).toEqual([true, true]);
    await quantity.fill('1001');
    await page.getByRole('alert').filter({ hasText: 'from 1 to 1,000: 1001 cannot be added.' }).waitFor();
    expect(await add.isDisabled()).toBe(true);

    await quantity.fill('18');
    await expect.poll(() => page.getByRole('alert').count()).toBe(0);
    await add.click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await expect.poll(() => drawer.getByLabel('Quantity of Bounded Banjo').inputValue()).toBe('18');
    await page.close();
  });

  it('tells a buyer whose cart another tab is ordering why this checkout was refused, and where that order went', async () => {
    const { guest, buyer, page } = await cartAtCheckout('Twin Tab Teapot', 'twin@example.test');

    // Another tab's checkout of the same cart is under way: its claim holds the cart's version.
    const carts = sut.system.container.cartStore;
    const claimed = await carts.claimForCheckout(guest.user.id, 'other-tab', 30_000);
    expect(claimed.kind).toBe('read');
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByText('This cart is being ordered in another tab or on another device.').waitFor();

    // That order goes through and empties the cart: this tab says where it went, not only "empty".
    await carts.releaseCheckout(guest.user.id, claimed.kind === 'read' ? claimed.cart.version : 0, 'other-tab');
    expect((await buyer.post('/api/orders', { fromCart: true }, { headers: { 'idempotency-key': 'other-tab-order' } })).status).toBe(202);
    await page.getByText('Your cart was emptied in another tab or on another device').waitFor();
    await page.getByRole('link', { name: 'See your orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    await page.close();
  });

  it('says the same when the other tab’s order has already emptied the cart as this checkout arrives', async () => {
    const { buyer, page } = await cartAtCheckout('Second Tab Saucer', 'second@example.test');
    // The other tab's order lands first: by the time this one reaches the API, the cart is empty (400).
    await page.route('**/api/orders', async (route) => {
      if (route.request().method() === 'POST') {
        expect((await buyer.post('/api/orders', { fromCart: true }, { headers: { 'idempotency-key': 'first-tab-order' } })).status).toBe(202);
      }
      await route.continue();
    });
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByText('Your cart was emptied in another tab or on another device').waitFor();
    expect(await page.locator('main').getByText('Your cart is empty.').count()).toBe(0);
    await page.close();
  });

  it('places a free order without a payment page, says the shop confirms it, and follows the confirmation live', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Free Fridge Magnet', priceCents: 0 });
    const page = await browser.newPage();
    await buyNowToCheckout(page, base, { sku, left: 'Only 5 left' }, 'free@example.test');
    await page.getByRole('button', { name: 'Place order', exact: true }).click();
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('PENDING');
    expect(await status.textContent()).toBe('There is nothing to pay: the shop confirms your order. Your items are held for you until then.');
    expect(await page.getByRole('button', { name: /^Pay / }).count()).toBe(0);
    expect(await page.getByText('The payment page could not be opened').count()).toBe(0);
    const orderId = new URL(page.url()).pathname.split('/').at(-1)!;
    expect(new URL(page.url()).search).toBe('');

    expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'CONFIRMED', reason: 'free' })).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 30_000 }).toMatch(/^(CONFIRMED|FULFILLED)$/);
    await page.close();
  });

  it('says a link to buy a product the shop does not have is for nothing on sale, not that the cart is empty', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Kept Kazoo', priceCents: 900 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    expect((await new Api(base, guest.token).post('/api/cart/items', { sku, quantity: 2 })).status).toBe(200);
    const gone = await createProduct(sut.admin, { onHand: 5, title: 'Gone Gong', priceCents: 900 });
    expect((await sut.admin.delete(`/api/admin/products/${gone}`)).status).toBe(204);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    for (const missing of [gone, 'NEVER-SOLD-1']) {
      await page.goto(`${base}/checkout?buy=${missing}&quantity=1`);
      await page.getByText('This product is not available: it is not, or no longer, in the shop.').waitFor();
      expect(await page.getByText('Your cart is empty.').count()).toBe(0);
      expect(await page.getByRole('button', { name: /^Place order/ }).count()).toBe(0);
    }
    await page.close();
  });

  it('says a link to buy a product that is sold out is for nothing left, before the buyer fills in the form', async () => {
    const sku = await createProduct(sut.admin, { onHand: 0, title: 'Sold Sousaphone', priceCents: 9_900 });
    const page = await browser.newPage();
    await page.goto(`${base}/checkout?buy=${sku}&quantity=1`);
    await page.getByRole('alert').filter({ hasText: 'Sold Sousaphone is sold out.' }).waitFor();
    expect(await page.getByRole('button', { name: /^Place order/ }).count()).toBe(0);
    await page.getByRole('link', { name: 'See the product' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sold Sousaphone' }).waitFor();
    await page.close();
  });

  it('says an order address that cannot name an order names none', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/orders/nope`);
    await page.getByRole('heading', { level: 1, name: 'Order not found' }).waitFor();
    // The tab says so too, as it does for a product or a category that is not there.
    await expect.poll(() => page.title()).toBe('Order not found — flashcart');
    await page.close();
  });

  it('asks no postal code where the country uses none, and says how one is written where the format is known, before sending', async () => {
    const { buyer, page } = await cartAtCheckout('Harbour Hat', 'hk@example.test');
    const postalCode = page.getByLabel(/^Postal code/);
    const sent: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/orders') sent.push(request.method());
    });
    await page.getByLabel('Country').selectOption('US');
    expect(await postalCode.getAttribute('placeholder')).toBe('e.g. 94103');
    await postalCode.fill('N1 9GU');
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByText('Postal code: not a postal code of United States, which are written like 94103.').first().waitFor();
    expect(await postalCode.getAttribute('aria-invalid')).toBe('true');
    expect(sent).toEqual([]);

    // Hong Kong has no postal codes: the field says so, and the order goes without one.
    await page.getByLabel('Country').selectOption('HK');
    await page.getByText(/^\(none in Hong Kong/).waitFor();
    // The code was refused by the format of the United States: another country chosen, the field is no longer marked as wrong.
    await expect.poll(() => postalCode.getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('#postalCode-problem').count()).toBe(0);
    await postalCode.fill('');
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    const orderId = await page.locator('dt:text-is("Order") + dd').textContent();
    const { shippingAddress } = (await buyer.get(`/api/orders/${orderId}`)).body;
    expect(shippingAddress).toMatchObject({ country: 'HK', city: 'London' });
    expect(shippingAddress.postalCode).toBeUndefined();
    await page.close();
  });

  it('offers every country, and takes a state with a US address, which the order keeps', async () => {
    const { buyer, page } = await cartAtCheckout('Lone Star Ladle', 'tex@example.test');
    await page.getByLabel('Address', { exact: true }).fill('700 Congress Ave');
    await page.getByLabel('City').fill('Austin');
    await page.getByLabel('State, province or region').fill('TX');
    await page.getByLabel('Postal code').fill('78701');
    // Any country, each once: Switzerland is there, the old code UK of the United Kingdom is not.
    const country = page.getByLabel('Country');
    expect(await country.locator('option[value="CH"]').textContent()).toBe('Switzerland');
    expect(await country.locator('option[value="UK"]').count()).toBe(0);
    expect(await country.locator('option').count()).toBeGreaterThan(240);
    await country.selectOption('US');
    // Every field fills its box, as the country list does: the text inputs were the browser's default width.
    const gaps = await page
      .locator('form .field')
      .evaluateAll((fields) =>
        fields.flatMap((field) =>
          [...field.querySelectorAll('input, select')].map((control) =>
            Math.round(field.getBoundingClientRect().width - control.getBoundingClientRect().width),
          ),
        ),
      );
    expect(gaps.length).toBeGreaterThan(6);
    expect(new Set(gaps)).toEqual(new Set([0]));
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    const orderId = await page.locator('dt:text-is("Order") + dd').textContent();
    expect((await buyer.get(`/api/orders/${orderId}`)).body.shippingAddress).toEqual({
      name: 'Ada Lovelace',
      line1: '700 Congress Ave',
      city: 'Austin',
      region: 'TX',
      postalCode: '78701',
      country: 'US',
    });
    // The buyer's page of the order says where it ships, as the US Postal Service writes it, and each item's price.
    await page.goto(`${base}/orders/${orderId}`);
    const items = page.getByRole('region', { name: 'Items' });
    await items.getByText('Ships to').waitFor();
    // biome-ignore lint/performance/useDomNodeTextContent: the lines as rendered, which the <br>s make and textContent drops
    expect((await items.locator('address').innerText()).split('\n')).toEqual([
      'Ada Lovelace',
      '700 Congress Ave',
      'Austin, TX 78701',
      'United States (US)',
    ]);
    expect(
      await items
        .getByRole('row', { name: /Lone Star Ladle/ })
        .getByRole('cell')
        .allTextContents(),
    ).toEqual(['Lone Star Ladle€30.00 each', '1', '€30.00']);
    await page.close();
  });

  it('says the cart is empty at checkout rather than offering to order nothing', async () => {
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/checkout`);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByRole('main').getByText('Your cart is empty.').waitFor();
    expect(await page.getByRole('button', { name: /Place order/ }).count()).toBe(0);
    await page.close();
  });

  it('tells a first-time visitor why nothing was added when no guest session can be made, and lets them try again', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Offline Owl', priceCents: 1_100 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    // A visitor with no session yet: the first add to cart has to make a guest, and the API is busy.
    await page.evaluate(() => (globalThis as any).localStorage.removeItem('flashcart.session'));
    await page.reload();
    await page.route('**/api/auth/guest', (route) =>
      route.fulfill({
        status: 503,
        contentType: 'application/json',
        body: JSON.stringify({ error: { code: 'UNAVAILABLE', message: 'The shop is busy, try again in a moment' } }),
      }),
    );
    const add = page.getByRole('button', { name: 'Add to cart Offline Owl' });
    await add.click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    // In the shopper's words, not the API's (failureText).
    await drawer.getByRole('alert').filter({ hasText: 'The shop is having trouble right now. Try again in a moment.' }).waitFor();
    expect(await drawer.getByText('The shop is busy, try again in a moment').count()).toBe(0);
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.unroute('**/api/auth/guest');
    expect(await add.isEnabled()).toBe(true);
    await add.click();
    await expect.poll(() => drawer.getByLabel('Quantity of Offline Owl').inputValue()).toBe('1');
    await page.close();
  });

  it('says which lines of a guest cart could not all come along when the guest creates an account', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3, title: 'Merged Mittens', priceCents: 1_900 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    expect((await new Api(base, guest.token).post('/api/cart/items', { sku, quantity: 3 })).status).toBe(200);
    // Another buyer takes two while the guest's three sit in the cart: one is left to bring along.
    const rival = new Api(base, (await new Api(base).post('/api/auth/guest')).body.token);
    expect((await rival.order([{ sku, quantity: 2 }], `rival-${sku}`)).status).toBe(202);

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/signin`);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Email').fill(`${uniqueSku().toLowerCase()}@example.test`);
    await page.getByLabel('Password').fill('merge-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.getByRole('alert').filter({ hasText: 'Merged Mittens: not all of it came with you' }).waitFor();
    await expect.poll(() => drawer.getByLabel('Quantity of Merged Mittens').inputValue()).toBe('1');
    await page.close();
  });

  it('brings a guest who signs in from the checkout back to the checkout, the cart with them', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Returning Raincoat', priceCents: 5_500 });
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    expect((await new Api(base).post('/api/auth/register', { email, password: 'return-password' })).status).toBe(201);
    const { page, drawer } = await guestCartWithOne(sku, 'Returning Raincoat');
    await drawer.getByRole('link', { name: 'Check out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('return-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    // Not the home page, from which the shopper had to find the cart and the checkout again.
    await page.waitForURL(`${base}/checkout`);
    await expect.poll(() => page.title()).toBe('Checkout — flashcart');
    await page.getByRole('region', { name: 'Order summary' }).getByRole('cell', { name: 'Returning Raincoat' }).waitFor();
    await page.close();
  });

  it('brings a guest’s orders into the account the guest creates, where another device signed in to it opens them', async () => {
    const sku = await createProduct(sut.admin, { onHand: 3, title: 'Adopted Anchor', priceCents: 2_400 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const placed = await new Api(base, guest.token).order([{ sku, quantity: 1 }], `adopted-${sku}`);
    expect(placed.status).toBe(202);

    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/signin`);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('adopt-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page
      .getByRole('link', { name: 'Sign out' })
      .or(page.getByRole('button', { name: 'Sign out' }))
      .waitFor();
    await page.goto(`${base}/orders`);
    await page
      .getByRole('row')
      .filter({ hasText: placed.body.id.slice(0, 8) })
      .waitFor();
    await page.close();

    // Another device (a browser with no session): the mail's link asks to sign in, then shows the order.
    const other = await browser.newPage();
    await other.goto(`${base}/`);
    await other.evaluate(() => (globalThis as any).localStorage.removeItem('flashcart.session'));
    await other.goto(`${base}/orders/${placed.body.id}`);
    await other.getByRole('heading', { level: 1, name: 'Sign in to see this order' }).waitFor();
    await other.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await other.getByLabel('Email').fill(email);
    await other.getByLabel('Password').fill('adopt-password');
    await other.getByRole('button', { name: 'Sign in', exact: true }).click();
    await other.waitForURL(`${base}/orders/${placed.body.id}`);
    await expect.poll(() => other.getByTestId('order-status').getAttribute('data-status')).toBe('PENDING');
    await other.getByRole('cell', { name: 'Adopted Anchor' }).waitFor();
    await other.close();
  });

  it('refuses a postal code of only spaces before sending anything, and names the field', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Blank Postcard', priceCents: 300 });
    const page = await browser.newPage();
    await buyNowToCheckout(page, base, { sku, left: 'Only 5 left' }, 'blank@example.test');
    // Spaces pass the browser's `required`; trimmed, they are nothing.
    const postalCode = page.getByLabel('Postal code');
    await postalCode.fill('   ');
    const sent: string[] = [];
    page.on('request', (request) => {
      if (new URL(request.url()).pathname === '/api/orders') sent.push(request.method());
    });
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Postal code' }).first().waitFor();
    expect(await postalCode.getAttribute('aria-invalid')).toBe('true');
    expect(await page.getByText('invalid body').count()).toBe(0);
    expect(sent).toEqual([]);

    // Filled in, the order goes through.
    await postalCode.fill('N1 9GU');
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    await page.close();
  });

  it('names the field when the server refuses what the browser let through', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Local Lamp', priceCents: 800 });
    const page = await browser.newPage();
    // The browser takes an address without a dot in its domain; the server wants one.
    await buyNowToCheckout(page, base, { sku, left: 'Only 5 left' }, 'ada@localhost');
    await page.getByRole('button', { name: /Place order/ }).click();
    await page.getByRole('alert').filter({ hasText: 'Email' }).first().waitFor();
    expect(await page.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    // As with a refusal found before sending, the field it names has the focus (not <body>: the form was disabled while sent).
    await expect.poll(() => hasFocus(page.getByLabel('Email'))).toBe(true);
    expect(await page.getByText('invalid body').count()).toBe(0);
    await page.close();
  });

  it('takes the fields it refused out of the summary as the shopper corrects them, and the summary away once none is left', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Corrected Cornet', priceCents: 900 });
    const page = await browser.newPage();
    // The browser takes an address without a dot in its domain; the server wants one.
    await buyNowToCheckout(page, base, { sku, left: 'Only 5 left' }, 'ada@localhost');
    const summary = page.getByRole('main').getByRole('alert');
    const city = page.getByLabel('City');
    const address = page.getByLabel('Address', { exact: true });

    // Refused before sending: two fields of spaces.
    await city.fill('  ');
    await address.fill('   ');
    await page.getByRole('button', { name: /^Place order/ }).click();
    await expect.poll(() => summary.textContent()).toBe('Address is empty. City is empty.');
    await city.fill('London');
    await expect.poll(() => summary.textContent()).toBe('Address is empty.');
    expect(await address.getAttribute('aria-invalid')).toBe('true');
    await address.fill('12 Analytical Street');
    await expect.poll(() => summary.count()).toBe(0);

    // Refused by the server: the same once the field it names is corrected.
    await page.getByRole('button', { name: /^Place order/ }).click();
    await expect.poll(() => summary.textContent()).toBe('Check Email: Invalid email address.');
    await page.getByLabel('Email').fill('ada@example.test');
    await expect.poll(() => summary.count()).toBe(0);
    expect(await page.locator('main form').getAttribute('aria-describedby')).toBeNull();
    await page.getByRole('button', { name: /^Place order/ }).click();
    await page.getByRole('button', { name: /^Pay / }).waitFor();
    await page.close();
  });

  it('refuses a link to buy more units than a line holds, before showing a total, and offers the most it can', async () => {
    const sku = await createProduct(sut.admin, { onHand: 2_000, title: 'Bulk Pencil', priceCents: 3_700 });
    const page = await browser.newPage();
    await page.goto(`${base}/checkout?buy=${sku}&quantity=5000`);
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    await page.getByRole('alert').filter({ hasText: 'from 1 to 1,000' }).waitFor();
    expect(await page.getByRole('button', { name: /Place order/ }).count()).toBe(0);
    expect(await page.getByText('€185,000.00').count()).toBe(0);

    await page.getByRole('link', { name: 'Order 1,000 instead' }).click();
    await page.getByRole('button', { name: 'Place order and pay €37,000.00' }).waitFor();
    await page.close();
  });

  it('asks a signed-out visitor of an order to sign in, and shows the order once they have', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'order-password' });
    expect(registered.status).toBe(201);
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Mailed Mirror', priceCents: 2_000 });
    const placed = await new Api(base, registered.body.token).order([{ sku, quantity: 1 }], `signed-out-${sku}`);
    expect(placed.status).toBe(202);

    // The link in the confirmation mail, opened in a browser that has no session.
    const page = await browser.newPage();
    await page.goto(`${base}/`);
    await page.evaluate(() => (globalThis as any).localStorage.removeItem('flashcart.session'));
    await page.goto(`${base}/orders/${placed.body.id}`);
    await page.getByRole('heading', { level: 1, name: 'Sign in to see this order' }).waitFor();
    await expect.poll(() => page.title()).toBe('Sign in to see this order — flashcart');
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);

    await page.getByRole('main').getByRole('link', { name: 'Sign in' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('order-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.waitForURL(`${base}/orders/${placed.body.id}`);
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('PENDING');
    await page.close();
  });

  it('signs a customer out when their token expires on a page that asks the API nothing, as the live connection is refused', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'expiry-password', name: 'Short Session' });
    expect(registered.status).toBe(201);
    // The account's own token, as the API signs it, but good for a few seconds only: long enough for
    // a busy machine to show the page signed in first (with 3 s, a slow first load missed it).
    const token = createSigner({ key: sut.stores.env.JWT_SECRET! })({
      sub: registered.body.user.id,
      role: 'customer',
      email,
      exp: Math.floor(Date.now() / 1_000) + SHORT_TOKEN_SECONDS,
    });
    const page = await browser.newPage();
    await signInAs(page, base, { token, user: registered.body.user });
    await page.goto(`${base}/products/FLASH-001`);
    const account = page.getByRole('navigation', { name: 'Account' });
    await account.getByRole('button', { name: 'Sign out' }).waitFor();
    // At expiry the server closes the socket; the reconnection's handshake is refused as UNAUTHENTICATED.
    await account.getByRole('link', { name: 'Sign in' }).waitFor({ timeout: 40_000 });
    expect(await account.getByText('Short Session').count()).toBe(0);
    expect(await page.evaluate(() => (globalThis as any).localStorage.getItem('flashcart.session'))).toBeNull();
    await page.close();
  });

  it('tells a customer signed out by an expired token why, until dismissed; a guest whose token expires starts afresh unannounced', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'expiry-password', name: 'Told Why' });
    expect(registered.status).toBe(201);
    const sign = createSigner({ key: sut.stores.env.JWT_SECRET! });
    const shortLived = (sub: string, role: string) =>
      sign({ sub, role, ...(role === 'customer' ? { email } : {}), exp: Math.floor(Date.now() / 1_000) + SHORT_TOKEN_SECONDS });
    const expired = 'Your session has expired. Please sign in again.';

    const page = await browser.newPage();
    await signInAs(page, base, { token: shortLived(registered.body.user.id, 'customer'), user: registered.body.user });
    await page.goto(`${base}/products/FLASH-001`);
    const account = page.getByRole('navigation', { name: 'Account' });
    await account.getByRole('button', { name: 'Sign out' }).waitFor();
    const notice = page.getByRole('alert').filter({ hasText: expired });
    await notice.waitFor({ timeout: 40_000 });
    await account.getByRole('link', { name: 'Sign in' }).waitFor();
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    expect(await notice.count()).toBe(0);

    const guest = (await new Api(base).post('/api/auth/guest')).body;
    await signInAs(page, base, { token: shortLived(guest.user.id, 'guest'), user: guest.user });
    await page.goto(`${base}/products/FLASH-001`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await expect.poll(() => page.evaluate(() => (globalThis as any).localStorage.getItem('flashcart.session')), { timeout: 40_000 }).toBeNull();
    expect(await page.getByText(expired).count()).toBe(0);
    await page.close();
  });

  it('says in a shopper’s words why an order that moved on can no longer be paid or cancelled', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Moved On Vase', priceCents: 1_500 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const placed = await new Api(base, guest.token).order([{ sku, quantity: 1 }], `moved-on-${sku}`);
    expect(placed.status).toBe(202);
    const orderId = placed.body.id as string;

    const page = await browser.newPage();
    // A page that still shows the order PENDING: no live connection, and its reads answered as they were.
    await page.routeWebSocket(/\/socket\.io\//, (socket) => socket.close());
    await page.route(/\/socket\.io\//, (route) => route.abort());
    await page.route(`${base}/api/orders/${orderId}`, (route) =>
      route.request().method() === 'GET' ? route.fulfill({ json: placed.body }) : route.fallback(),
    );
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${orderId}`);
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('PENDING');
    expect((await sut.admin.patch(`/api/admin/orders/${orderId}`, { status: 'CANCELLED', reason: 'browser test' })).status).toBe(200);

    await page.getByRole('button', { name: /^Pay / }).click();
    const refusal = page.getByRole('main').getByRole('alert');
    await expect.poll(() => refusal.textContent()).toBe('This order is already cancelled, so it can no longer be paid.');
    // Pay was disabled while it was sent, and lost the focus: the refusal has it.
    await expect.poll(() => focusedText(page)).toBe('This order is already cancelled, so it can no longer be paid.');

    await page.getByRole('button', { name: 'Cancel order', exact: true }).click();
    await page.getByRole('button', { name: 'Yes, cancel' }).click();
    await expect.poll(() => refusal.textContent()).toBe('This order is already cancelled.');
    await expect.poll(() => focusedText(page)).toBe('This order is already cancelled.');
    expect(await page.getByText(orderId).count()).toBe(0);
    await page.close();
  });

  it('keeps a title with a word longer than the screen inside the page: the list, the product, the cart and the checkout', async () => {
    const word = `Unbreakable${'x'.repeat(140)}`;
    const sku = await createProduct(sut.admin, { onHand: 5, title: `${word} Mug`, priceCents: 1_200 });
    const page = await browser.newPage();
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 844 });
      await page.goto(`${base}/search?q=Unbreakable`);
      await page.getByRole('link', { name: `${word} Mug` }).waitFor();
      expect(await scrollWidthOf(page), `the search results at ${width}`).toBeLessThanOrEqual(width);
      await page.goto(`${base}/products/${sku}`);
      await page.getByRole('heading', { level: 1, name: `${word} Mug` }).waitFor();
      expect(await scrollWidthOf(page), `the product page at ${width}`).toBeLessThanOrEqual(width);
    }
    await page.getByRole('button', { name: `Add to cart ${word} Mug` }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await drawer.locator(`[data-sku="${sku}"]`).waitFor();
    await drawer.locator('[data-sku][aria-busy=true]').waitFor({ state: 'detached' });
    const { x, width } = (await drawer.boundingBox())!;
    expect(x + width, 'the cart drawer at 390').toBeLessThanOrEqual(390);
    await drawer.getByRole('link', { name: 'Check out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Checkout' }).waitFor();
    expect(await scrollWidthOf(page), 'the checkout at 390').toBeLessThanOrEqual(390);
    await page.close();
  });

  it('searches for the first 100 characters of a longer search in the address, as the search box would', async () => {
    const page = await browser.newPage();
    const long = `keyboard${' '.repeat(92)}${'x'.repeat(50)}`;
    await page.goto(`${base}/search?q=${encodeURIComponent(long)}`);
    await page.getByRole('heading', { level: 1, name: 'Results for “keyboard”' }).waitFor();
    await page.getByRole('link', { name: 'Limited Edition Mechanical Keyboard' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    expect(await page.getByLabel('Search products').inputValue()).toBe('keyboard');
    await page.close();
  });

  it('offers a way on from a search that found nothing', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/search?q=${encodeURIComponent('zzqx nothing like it')}`);
    await page.getByRole('status').filter({ hasText: 'No products found.' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'browse the shop' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flash sales that never oversell' }).waitFor();
    await page.close();
  });

  it('names the field when signing in or registering is refused for an address the browser let through', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/signin`);
    // An address a type=email field takes, and the API does not.
    await page.getByLabel('Email').fill('ada@localhost');
    await page.getByLabel('Password').fill('a-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const refusal = page.getByRole('alert').filter({ hasText: 'Check Email: Invalid email address.' });
    await refusal.waitFor();
    expect(await page.getByText('invalid body').count()).toBe(0);

    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    const registering = page.waitForResponse((response) => new URL(response.url()).pathname === '/api/auth/register');
    await page.getByRole('button', { name: 'Create account' }).click();
    expect((await registering).status()).toBe(400);
    await refusal.waitFor();
    expect(await page.getByText('invalid body').count()).toBe(0);
    expect(new URL(page.url()).pathname).toBe('/signin');
    await page.close();
  });

  it('shows an order’s new status in the list of orders as it changes, without a reload', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Listed Lamp', priceCents: 1_500 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    const placed = await buyer.order([{ sku, quantity: 1 }], `listed-${sku}`);
    expect(placed.status).toBe(202);
    // Listed once stored (the worker writes it a moment after the 202).
    await expect.poll(async () => (await buyer.get('/api/orders')).body.total).toBe(1);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders`);
    const row = page.getByRole('row').filter({ hasText: placed.body.id.slice(0, 8) });
    await expect.poll(() => row.getByText('PENDING').count()).toBe(1);

    // Cancelled elsewhere (another device, the API): the open list follows.
    expect((await buyer.post(`/api/orders/${placed.body.id}/cancel`, {})).status).toBe(200);
    await row.getByText('CANCELLED').waitFor({ timeout: 20_000 });
    await page.close();
  });

  it('fits the list of orders into a 390-pixel screen: every column, Total too, inside its box with nothing to scroll', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Pocket Piano', priceCents: 58_800 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    // Two units make a four-digit total; a cancelled order the widest status badge.
    const placed = await buyer.order([{ sku, quantity: 2 }], `narrow-list-${sku}`);
    expect(placed.status).toBe(202);
    await expect.poll(async () => (await buyer.get('/api/orders')).body.total).toBe(1);
    expect((await buyer.post(`/api/orders/${placed.body.id}/cancel`, {})).status).toBe(200);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders`);
    await page.getByRole('row').filter({ hasText: 'CANCELLED' }).waitFor();

    expect(await scrollWidthOf(page)).toBeLessThanOrEqual(390);
    const wrap = page.locator('.table-wrap');
    expect(await wrap.evaluate((element) => element.scrollWidth - element.clientWidth), 'what the box scrolls').toBe(0);
    const box = (await wrap.boundingBox())!;
    for (const cell of [page.getByRole('columnheader', { name: 'Total' }), page.getByRole('cell', { name: '€1,176.00' })]) {
      const { x, width } = (await cell.boundingBox())!;
      expect(x + width).toBeLessThanOrEqual(box.x + box.width);
    }
    await page.close();
  });

  it('keeps its header out of the way at 390 pixels wide: shorter, not sticky, every category on screen; sticky on a wide screen', async () => {
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${base}/`);
    const categories = page.getByRole('navigation', { name: 'Categories' }).getByRole('link');
    await categories.first().waitFor();
    const header = page.getByRole('banner');
    const position = () => header.evaluate((element) => (globalThis as any).getComputedStyle(element).position as string);
    expect(await position()).toBe('static');
    // 198 pixels when it wrapped into four rows.
    expect((await header.boundingBox())!.height).toBeLessThanOrEqual(170);
    for (const link of await categories.all()) {
      const { x, width } = (await link.boundingBox())!;
      expect(x + width, (await link.textContent())!).toBeLessThanOrEqual(390);
    }

    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await position()).toBe('sticky');
    await page.close();
  });

  it('keeps a signed-in customer’s long name to the header’s one row of account links at 390 pixels wide, in full on a wide screen', async () => {
    const name = 'Maximiliana Fitzgerald-Wolfenstein';
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'long-name-password', name });
    expect(registered.status).toBe(201);
    const page = await browser.newPage();
    await page.setViewportSize({ width: 390, height: 844 });
    await signInAs(page, base, registered.body);
    await page.goto(`${base}/`);
    const account = page.getByRole('navigation', { name: 'Account' });
    const signOut = account.getByRole('button', { name: 'Sign out' });
    await signOut.waitFor();
    const shown = account.getByText(name);
    // The name, Sign out and the cart on one row (the cart wrapped onto a row of its own), all on screen.
    const [nameBox, signOutBox, cartBox] = await Promise.all(
      [shown, signOut, page.getByTestId('cart-button')].map(async (it) => (await it.boundingBox())!),
    );
    const middles = [nameBox, signOutBox, cartBox].map((box) => box!.y + box!.height / 2);
    expect(Math.max(...middles) - Math.min(...middles)).toBeLessThan(nameBox!.height);
    expect(cartBox!.x + cartBox!.width).toBeLessThanOrEqual(390);
    // Sign out on one line (it wrapped into two when the name took the room).
    expect(signOutBox!.height).toBeLessThanOrEqual(cartBox!.height);
    expect(await shown.getAttribute('title')).toBe(name);

    await page.setViewportSize({ width: 1440, height: 900 });
    expect(await shown.evaluate((element) => element.scrollWidth <= element.clientWidth)).toBe(true);
    await page.close();
  });

  it('lets a reminder’s reader stop cart reminders from its link, without signing in, and turn them on again', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'reminder-password' });
    expect(registered.status).toBe(201);
    const { token } = await sut.system.container.mailPreferences.forReminder(registered.body.user.id);
    const setting = async () => (await new Api(base).get(`/api/mail/cart-reminders?token=${token}`)).body.cartReminders;

    const page = await browser.newPage();
    await page.goto(`${base}/mail/cart-reminders?token=${token}`);
    const status = page.getByTestId('cart-reminders-status');
    await expect.poll(() => status.textContent()).toBe('We mail you a reminder when you leave items in your cart for a while.');
    // Opening the link changed nothing (a mail scanner follows links); the button does.
    expect(await setting()).toBe(true);
    await page.getByRole('button', { name: 'Stop cart reminders' }).click();
    await expect.poll(() => status.textContent()).toBe('Cart reminders are off: we will not mail you about a cart you leave.');
    await expect.poll(() => hasFocus(status)).toBe(true);
    expect(await setting()).toBe(false);

    await page.getByRole('button', { name: 'Turn cart reminders on again' }).click();
    await expect.poll(() => status.textContent()).toBe('We mail you a reminder when you leave items in your cart for a while.');
    expect(await setting()).toBe(true);

    await page.goto(`${base}/mail/cart-reminders?token=00000000-0000-4000-8000-000000000000`);
    await page.getByText('This link is not valid (any more).', { exact: false }).waitFor();
    await page.close();
  });

  it('keeps its live connection over HTTP long-polling where WebSocket is blocked', async () => {
    const proxy = await proxyWithoutWebSockets(base);
    try {
      const sku = await createProduct(sut.admin, { onHand: 5, title: 'Polled Pitcher', priceCents: 1_500 });
      const guest = (await new Api(base).post('/api/auth/guest')).body;
      const placed = await new Api(base, guest.token).order([{ sku, quantity: 1 }], `polled-${sku}`);
      expect(placed.status).toBe(202);
      const page = await browser.newPage();
      await signInAs(page, proxy.url, guest);
      await page.goto(`${proxy.url}/orders/${placed.body.id}`);
      await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('PENDING');
      // The page says so while it has no live connection; over long-polling it has one.
      await page.getByText('Live updates are reconnecting').waitFor({ state: 'detached', timeout: 20_000 });
      expect(proxy.dropped.upgrades).toBeGreaterThan(0);
      await page.close();
    } finally {
      await proxy.close();
    }
  });

  it('says there is no such product for a product address that cannot be one, with a way back to the shop', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/products/a%2Fb`);
    await page.getByRole('heading', { level: 1, name: 'No such product' }).waitFor();
    expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    await page.getByRole('main').getByRole('link', { name: 'Back to the shop' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flash sales that never oversell' }).waitFor();
    await page.close();
  });

  it('gives a product’s heading the focus as its page opens from a list, and keeps it there once the product loads or turns out not to exist', async () => {
    await createProduct(sut.admin, { onHand: 4, title: 'Focused Fiddle' });
    const page = await browser.newPage();
    await page.goto(`${base}/search?q=${encodeURIComponent('Focused Fiddle')}`);
    // The link clicked goes with the list: the focus is on the new page's heading, there while the product loads.
    await page.getByRole('main').getByRole('link', { name: 'Focused Fiddle' }).click();
    const heading = page.getByRole('heading', { level: 1, name: 'Focused Fiddle' });
    await heading.waitFor();
    await expect.poll(() => page.getByTestId('stock').textContent()).toBe('Only 4 left');
    expect(await hasFocus(heading)).toBe(true);

    await page.goto(`${base}/products/a%2Fb`);
    await page.getByRole('heading', { level: 1, name: 'No such product' }).waitFor();
    await page.getByRole('main').getByRole('link', { name: 'Back to the shop' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flash sales that never oversell' }).waitFor();
    // Back is a navigation within the page: the heading takes the focus while the product loads, and keeps it once there is none.
    await page.goBack();
    const missing = page.getByRole('heading', { level: 1, name: 'No such product' });
    await missing.waitFor();
    await expect.poll(() => hasFocus(missing)).toBe(true);
    await page.close();
  });

  it('gives an order’s heading the focus as its page opens from the list of orders, and keeps it there once the order loads or turns out not to exist', async () => {
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Focused Flute', priceCents: 1_500 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const buyer = new Api(base, guest.token);
    const placed = await buyer.order([{ sku, quantity: 1 }], `focused-${sku}`);
    expect(placed.status).toBe(202);
    await expect.poll(async () => (await buyer.get('/api/orders')).body.total).toBe(1);
    const short = placed.body.id.slice(0, 8);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders`);
    // The link clicked goes with the list: the focus is on the new page's heading, there while the order loads.
    await page.getByRole('main').getByRole('link', { name: short, exact: true }).click();
    const heading = page.getByRole('heading', { level: 1, name: `Order ${short}` });
    await heading.waitFor();
    await expect.poll(() => page.getByTestId('order-status').getAttribute('data-status')).toBe('PENDING');
    expect(await hasFocus(heading)).toBe(true);

    await page.goto(`${base}/orders/${randomUUID()}`);
    await page.getByRole('heading', { level: 1, name: 'Order not found' }).waitFor();
    await expect.poll(() => page.title()).toBe('Order not found — flashcart');
    await page.getByRole('main').getByRole('link', { name: 'Your orders' }).click();
    await page.getByRole('heading', { level: 1, name: 'Your orders' }).waitFor();
    // Back is a navigation within the page: the heading takes the focus while the order loads, and keeps it once it is not found.
    await page.goBack();
    const missing = page.getByRole('heading', { level: 1, name: 'Order not found' });
    await missing.waitFor();
    await expect.poll(() => hasFocus(missing)).toBe(true);
    await page.close();
  });

  it('says there is no such category for a category address no category has, or that cannot be one', async () => {
    const page = await browser.newPage();
    for (const slug of ['no-such-category', 'Not%20A%20Slug']) {
      await page.goto(`${base}/c/${slug}`);
      await page.getByRole('heading', { level: 1, name: 'No such category' }).waitFor();
      expect(await page.getByRole('button', { name: 'Try again' }).count()).toBe(0);
    }
    await page.getByRole('main').getByRole('link', { name: 'Back to the shop' }).click();
    await page.getByRole('heading', { level: 1, name: 'Flash sales that never oversell' }).waitFor();
    await page.close();
  });

  it('sends a quantity typed key by key as one change, so one it cannot take leaves the line as it was', async () => {
    const sku = await createProduct(sut.admin, { onHand: 18, title: 'Keyed Kettle', priceCents: 1_000 });
    const { page, drawer, quantity, cart } = await guestCartWithOne(sku, 'Keyed Kettle');
    const sent: unknown[] = [];
    page.on('request', (request) => {
      if (request.method() === 'PUT' && request.url().includes('/api/cart/items/')) sent.push(request.postDataJSON());
    });

    // "20" typed as a person types it: sent as 2 and then 20, the 2 was taken and the 20 refused.
    await quantity.press('End');
    await quantity.press('Backspace');
    await quantity.pressSequentially('20', { delay: 50 });
    await drawer.getByText('Only 18 of Keyed Kettle left').waitFor();
    expect(sent).toEqual([{ quantity: 20 }]);
    expect((await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([1]);

    // Enter sends at once what was typed: 1001 is not sent, and said why; a quantity it can take is.
    await quantity.fill('1001');
    await quantity.press('Enter');
    await drawer.getByRole('alert').filter({ hasText: '1001 was not set' }).waitFor();
    await quantity.fill('');
    await expect.poll(() => drawer.getByRole('alert').filter({ hasText: 'was not set' }).count()).toBe(0);
    await quantity.pressSequentially('12', { delay: 50 });
    await quantity.press('Enter');
    await expect.poll(async () => (await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([12]);
    expect(sent).toEqual([{ quantity: 20 }, { quantity: 12 }]);
    await page.close();
  });

  it('says why a cart quantity it cannot take was not set, and keeps the line as it was', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Bounded Bowl', priceCents: 1_200 });
    const { page, drawer, quantity, cart } = await guestCartWithOne(sku, 'Bounded Bowl');

    await quantity.fill('1001');
    await drawer.getByRole('alert').filter({ hasText: 'whole numbers from 1 to 1,000' }).waitFor();
    expect(await quantity.getAttribute('aria-invalid')).toBe('true');
    expect((await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([1]);

    // A quantity it can take clears the complaint.
    await quantity.fill('2');
    await expect.poll(async () => (await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([2]);
    await expect.poll(() => drawer.getByRole('alert').count()).toBe(0);
    await page.close();
  });

  it('says so when the price of a line changes while it sits in the cart, until dismissed or the shopper’s next change', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Repriced Radio', priceCents: 1_200 });
    const { page, drawer, quantity, cart } = await guestCartWithOne(sku, 'Repriced Radio');
    const total = drawer.getByTestId('cart-total');
    expect(await total.textContent()).toBe('€12.00');
    const reprice = async (priceCents: number) => expect((await sut.admin.patch(`/api/admin/products/${sku}`, { priceCents })).status).toBe(200);
    const priceNotice = (text: string) => drawer.getByRole('status').filter({ hasText: text });

    await reprice(950);
    const lower = priceNotice('The price of Repriced Radio changed from €12.00 to €9.50.');
    await lower.waitFor();
    expect(await total.textContent()).toBe('€9.50');
    // Still there when the cart is opened again (and read again: the same cart).
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.getByTestId('cart-button').click();
    await lower.waitFor();
    await lower.getByRole('button', { name: 'Dismiss' }).click();
    await lower.waitFor({ state: 'detached' });

    // Changed again: the shopper's next change to the cart is taken as having seen it.
    await reprice(1_100);
    const higher = priceNotice('The price of Repriced Radio changed from €9.50 to €11.00.');
    await higher.waitFor();
    await quantity.fill('2');
    await higher.waitFor({ state: 'detached' });
    await expect.poll(async () => (await cart.get('/api/cart')).body.items.map((line: { quantity: number }) => line.quantity)).toEqual([2]);
    await expect.poll(() => total.textContent()).toBe('€22.00');
    expect(await drawer.getByRole('status').filter({ hasText: 'The price of' }).count()).toBe(0);
    await page.close();
  });

  it('keeps saying that a line’s price changed after the page is reloaded, until dismissed', async () => {
    const sku = await createProduct(sut.admin, { onHand: 10, title: 'Reloaded Radio', priceCents: 1_200 });
    const { page, drawer } = await guestCartWithOne(sku, 'Reloaded Radio');
    expect((await sut.admin.patch(`/api/admin/products/${sku}`, { priceCents: 950 })).status).toBe(200);
    const notice = drawer.getByRole('status').filter({ hasText: 'The price of Reloaded Radio changed from €12.00 to €9.50.' });
    await notice.waitFor();

    // Reloaded, the cart the page starts from already has the new price: nothing to compare it with.
    await page.reload();
    await page.getByTestId('cart-button').click();
    await expect.poll(() => drawer.getByTestId('cart-total').textContent()).toBe('€9.50');
    await notice.waitFor();
    await notice.getByRole('button', { name: 'Dismiss' }).click();
    await notice.waitFor({ state: 'detached' });

    // Dismissed, it stays dismissed.
    await page.reload();
    await page.getByTestId('cart-button').click();
    await expect.poll(() => drawer.getByTestId('cart-total').textContent()).toBe('€9.50');
    expect(await drawer.getByRole('status').filter({ hasText: 'The price of' }).count()).toBe(0);
    await page.close();
  });

  it('says so when an item sells out while it sits in the cart', async () => {
    const sku = await createProduct(sut.admin, { onHand: 1, title: 'Scarce Vase', priceCents: 1_500 });
    const page = await browser.newPage();
    await page.goto(`${base}/products/${sku}`);
    await page.getByRole('button', { name: 'Add to cart Scarce Vase' }).click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    await expect.poll(() => drawer.getByLabel('Quantity of Scarce Vase').inputValue()).toBe('1');

    const rival = new Api(base, (await new Api(base).post('/api/auth/guest')).body.token);
    expect((await rival.order([{ sku, quantity: 1 }], `rival-${uniqueSku()}`)).status).toBe(202);

    await drawer.getByRole('alert').filter({ hasText: 'Scarce Vase sold out while it was in your cart' }).waitFor({ timeout: 60_000 });
    expect(await drawer.getByRole('link', { name: 'Check out' }).count()).toBe(0);

    // At the checkout (a bookmark, or the cart closed), the order cannot go either; the notice that says so opens the cart.
    await drawer.getByRole('button', { name: 'Close' }).click();
    await page.goto(`${base}/checkout`);
    await page.getByRole('alert').filter({ hasText: 'An item in your cart sold out or ran short' }).waitFor();
    await page.getByRole('button', { name: 'open the cart' }).click();
    await drawer.getByRole('alert').filter({ hasText: 'Scarce Vase sold out while it was in your cart' }).waitFor();
    await page.close();
  });

  it('gives the refusal the focus when signing in fails, the button that had it having been disabled meanwhile', async () => {
    const page = await browser.newPage();
    await page.goto(`${base}/signin`);
    await page.getByLabel('Email').fill(`${uniqueSku().toLowerCase()}@example.test`);
    await page.getByLabel('Password').fill('not-the-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'That email and password do not match.' }).waitFor();
    await expect.poll(() => focusedText(page)).toBe('That email and password do not match.');
    await page.close();
  });

  it('takes the refusal of registering away when the shopper switches to signing in, and that of signing in the other way', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    expect((await new Api(base).post('/api/auth/register', { email, password: 'taken-password' })).status).toBe(201);
    const page = await browser.newPage();
    await page.goto(`${base}/signin`);
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('another-password');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').filter({ hasText: 'An account with this email already exists.' }).waitFor();

    await page.getByRole('button', { name: 'Have an account? Sign in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);

    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill('wrong-password');
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    await page.getByRole('alert').filter({ hasText: 'That email and password do not match.' }).waitFor();
    await page.getByRole('button', { name: 'New here? Create an account' }).click();
    await page.getByRole('heading', { level: 1, name: 'Create an account' }).waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
    await page.close();
  });

  it('gives the next line’s Remove the focus when a line leaves the cart, and the cart’s heading when none is left', async () => {
    const titles: Record<string, string> = {};
    for (const title of ['Removed Radish', 'Remaining Rhubarb', 'Zeroed Zucchini', 'Tabbed Tomato'])
      titles[await createProduct(sut.admin, { onHand: 5, title, priceCents: 200 })] = title;
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const cart = new Api(base, guest.token);
    for (const sku of Object.keys(titles)) expect((await cart.post('/api/cart/items', { sku, quantity: 1 })).status).toBe(200);
    const page = await browser.newPage();
    await signInAs(page, base, guest);
    await page.goto(`${base}/`);
    await page.getByTestId('cart-button').click();
    const drawer = page.getByRole('dialog', { name: 'Your cart' });
    const lines = drawer.locator('[data-sku]');
    await expect.poll(() => lines.count()).toBe(4);
    const [zeroed = '', tabbed = '', top = '', bottom = ''] = await lines.evaluateAll((items) =>
      items.map((item) => item.getAttribute('data-sku') ?? ''),
    );
    const remove = (sku: string) => drawer.getByRole('button', { name: `Remove ${titles[sku]}` });

    // 0 typed and sent with Enter takes the line out as Remove does, the focus going the same way.
    const quantity = drawer.getByLabel(`Quantity of ${titles[zeroed]}`);
    await quantity.fill('0');
    await quantity.press('Enter');
    await remove(zeroed).waitFor({ state: 'detached' });
    await expect.poll(() => hasFocus(remove(tabbed))).toBe(true);
    // 0 typed, then Tab: the focus goes on to the line's own Remove, which leaves with the line.
    const tabbedQuantity = drawer.getByLabel(`Quantity of ${titles[tabbed]}`);
    await tabbedQuantity.fill('0');
    await tabbedQuantity.press('Tab');
    await remove(tabbed).waitFor({ state: 'detached' });
    await expect.poll(() => hasFocus(remove(top))).toBe(true);
    await remove(top).click();
    await remove(top).waitFor({ state: 'detached' });
    await expect.poll(() => hasFocus(remove(bottom))).toBe(true);
    await remove(bottom).click();
    await drawer.getByText('Your cart is empty.').waitFor();
    await expect.poll(() => hasFocus(drawer.getByRole('heading', { name: 'Your cart' }))).toBe(true);

    // Empty the cart goes with the lines it empties: the heading takes the focus there too.
    expect((await cart.post('/api/cart/items', { sku: top, quantity: 1 })).status).toBe(200);
    await remove(top).waitFor();
    await drawer.getByRole('button', { name: 'Empty the cart' }).click();
    await drawer.getByText('Your cart is empty.').waitFor();
    await expect.poll(() => hasFocus(drawer.getByRole('heading', { name: 'Your cart' }))).toBe(true);
    await page.close();
  });

  it('gives the Sign in link the focus when a customer signs out, the button that had it gone', async () => {
    const email = `${uniqueSku().toLowerCase()}@example.test`;
    const registered = await new Api(base).post('/api/auth/register', { email, password: 'leaving-password' });
    expect(registered.status).toBe(201);
    const page = await browser.newPage();
    await signInAs(page, base, registered.body);
    await page.goto(`${base}/`);
    await page.getByRole('button', { name: 'Sign out' }).click();
    const signIn = page.getByRole('navigation', { name: 'Account' }).getByRole('link', { name: 'Sign in' });
    await signIn.waitFor();
    await expect.poll(() => hasFocus(signIn)).toBe(true);
    await page.close();
  });
});

describe('the order page without a live connection', () => {
  // No worker: a confirmed order stays CONFIRMED until the admin moves it, so the page sees it there first.
  const sut = useSystem({ api: true, worker: false }, { SEED_DEMO_CATALOG: 'false' });
  let browser: Browser;

  beforeAll(async () => {
    browser = await launchBrowser();
  });
  afterAll(async () => {
    await browser?.close();
  });

  it('keeps following an order that can still move: a paid order that ships shows it', async () => {
    const base = sut.system.url!;
    const sku = await createProduct(sut.admin, { onHand: 5, title: 'Offline Kettle', priceCents: 3_000 });
    const guest = (await new Api(base).post('/api/auth/guest')).body;
    const placed = await new Api(base, guest.token).order([{ sku, quantity: 1 }], `offline-${sku}`);
    expect(placed.status).toBe(202);

    const page = await browser.newPage();
    // The socket never connects, over either of its transports: the page has only its polling.
    await page.routeWebSocket(/\/socket\.io\//, (socket) => socket.close());
    await page.route(/\/socket\.io\//, (route) => route.abort());
    await signInAs(page, base, guest);
    await page.goto(`${base}/orders/${placed.body.id}`);
    const status = page.getByTestId('order-status');
    await expect.poll(() => status.getAttribute('data-status')).toBe('PENDING');

    const move = (to: string) => sut.admin.patch(`/api/admin/orders/${placed.body.id}`, { status: to, reason: 'browser test' });
    expect((await move('CONFIRMED')).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('CONFIRMED');
    expect((await move('FULFILLED')).status).toBe(200);
    await expect.poll(() => status.getAttribute('data-status'), { timeout: 60_000 }).toBe('FULFILLED');
    await page.getByText('Your order has shipped.').waitFor();
    await page.close();
  });
});
