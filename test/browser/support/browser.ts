import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, rmdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { type BrowserContext, chromium, type Locator, type Page } from 'playwright-core';
import { ADMIN } from '../../support/system.js';

/** Debian's Chromium, which .ci/run installs when it is missing. */
export const CHROMIUM = '/usr/bin/chromium';

const ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const SCREENSHOTS = join(ROOT, 'docs', 'screenshots');
/** Names this checkout's files in the shared temp directory: two checkouts (worktrees) build and write apart. */
const CHECKOUT_TAG = createHash('sha256').update(ROOT).digest('hex').slice(0, 12);

/**
 * Builds web/dist when a source is newer than it. Test files run in parallel processes: a lock
 * directory makes the others wait for the one that builds, rather than build over it. The lock is
 * this checkout's: another worktree builds its own web/dist, and need not wait for it.
 */
export async function ensureWebBuilt(): Promise<void> {
  const lock = join(tmpdir(), `flashcart-web-build-${CHECKOUT_TAG}.lock`);
  for (let waited = 0; ; waited += 250) {
    try {
      await mkdir(lock);
      break;
    } catch {
      if (waited > 300_000) throw new Error(`${lock} held for 5 minutes: remove it if no build is running`);
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  try {
    // In a process of its own: the build needs NODE_ENV=production, and vitest runs with "test".
    await promisify(execFile)(process.execPath, ['--import', 'tsx', 'scripts/build-web.ts', '--if-stale'], { cwd: ROOT });
  } finally {
    await rmdir(lock);
  }
}

export interface Browser {
  context: BrowserContext;
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

/**
 * Headless Chromium with a fresh profile of its own: every page of it shares one localStorage, as
 * the tabs of one browser do.
 */
export async function launchBrowser(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install chromium (.ci/run does)`);
  const profile = await mkdtemp(join(tmpdir(), 'fc-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
    viewport: { width: 1200, height: 780 },
    reducedMotion: 'reduce',
  });
  const errors: string[] = [];
  context.on('weberror', (error) => errors.push(error.error().message));
  return {
    context,
    async newPage() {
      const page = await context.newPage();
      page.setDefaultTimeout(30_000);
      return page;
    },
    async close() {
      await context.close();
      await rm(profile, { recursive: true, force: true });
      if (errors.length > 0) throw new Error(`the page threw:\n${errors.join('\n')}`);
    },
  };
}

/**
 * A screenshot of what the page shows, for the README. It is always taken, but written over the
 * committed one only when it is missing or UPDATE_SCREENSHOTS=1, so a test run leaves the tree clean.
 */
export async function screenshot(page: Page, name: string, options: { fullPage?: boolean } = {}): Promise<void> {
  await mkdir(SCREENSHOTS, { recursive: true });
  const committed = join(SCREENSHOTS, `${name}.png`);
  const path = process.env.UPDATE_SCREENSHOTS === '1' || !existsSync(committed) ? committed : join(tmpdir(), `flashcart-${CHECKOUT_TAG}-${name}.png`);
  await page.screenshot({ path, animations: 'disabled', caret: 'hide', fullPage: options.fullPage ?? false });
}

/**
 * What `page` sends from now on that would change an order (an admin's status change, a
 * cancellation), as "METHOD path": the array fills as the page sends.
 */
export function orderChangesSent(page: Page): string[] {
  const sent: string[] = [];
  page.on('request', (request) => {
    const { pathname } = new URL(request.url());
    const method = request.method();
    if ((method === 'PATCH' && pathname.startsWith('/api/admin/orders/')) || (method === 'POST' && /^\/api\/orders\/[^/]+\/cancel$/.test(pathname))) {
      sent.push(`${method} ${pathname}`);
    }
  });
  return sent;
}

/**
 * Whether `locator` has the page's focus: where a keyboard or screen-reader user is after an action
 * (never <body>, where they lose their place).
 */
export function hasFocus(locator: Locator): Promise<boolean> {
  // Runs in the page; this file is typed for Node, which knows no DOM.
  return locator.evaluate((element) => element === (globalThis as any).document.activeElement);
}

/** The text of what has the page's focus; undefined when that is <body>, where keyboard and screen-reader users lose their place. */
export function focusedText(page: Page): Promise<string | undefined> {
  return page.evaluate(() => {
    const { activeElement, body } = (globalThis as any).document;
    return activeElement === body ? undefined : (activeElement?.textContent ?? undefined);
  });
}

/** The page's width, wider than the screen when something pushes past its edge. */
export function scrollWidthOf(page: Page): Promise<number> {
  // Runs in the page; this file is typed for Node, which knows no DOM.
  return page.evaluate(() => (globalThis as any).document.documentElement.scrollWidth as number);
}

/**
 * How bright each side edge of what `box` shows is, as pixels on screen: the brightest of its outer
 * two columns of pixels (0–255, the mean of red, green and blue). Text and borders can only make a
 * column darker somewhere; its brightest pixel is the background, so 255 on white and less under a
 * shadow. Chromium decodes its own screenshot in the page, so no image library is needed.
 */
export async function edgeBrightness(box: Locator): Promise<{ left: number; right: number }> {
  const png = (await box.screenshot({ animations: 'disabled', caret: 'hide' })).toString('base64');
  return box.page().evaluate(async (data) => {
    const { document, Image } = globalThis as any;
    const image = new Image();
    image.src = `data:image/png;base64,${data}`;
    await image.decode();
    const canvas = document.createElement('canvas');
    canvas.width = image.width;
    canvas.height = image.height;
    const context = canvas.getContext('2d');
    context.drawImage(image, 0, 0);
    const brightest = (x: number) => {
      const { data: rgba } = context.getImageData(x, 0, 2, image.height);
      let max = 0;
      for (let i = 0; i < rgba.length; i += 4) max = Math.max(max, (rgba[i] + rgba[i + 1] + rgba[i + 2]) / 3);
      return Math.round(max);
    };
    return { left: brightest(0), right: brightest(image.width - 2) };
  }, png);
}

/** Signs the page in as the test system's admin through the shop's own form; returns on the console's dashboard. */
export async function signInAsAdmin(page: Page, base: string): Promise<void> {
  await page.goto(`${base}/signin`);
  await page.getByLabel('Email').fill(ADMIN.email);
  await page.getByLabel('Password').fill(ADMIN.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('heading', { level: 1, name: 'Dashboard' }).waitFor();
}
