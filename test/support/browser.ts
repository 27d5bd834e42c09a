/**
 * A real browser for the storefront's tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), against an embedded shop that serves the built storefront on a loopback port.
 */
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { type Browser, type BrowserContext, chromium, type Locator, type Page } from "playwright-core";
import { seedCatalog } from "../../services/product/seed/index.ts";
import { findBinary } from "./binaries.ts";
import { startTestShop, type TestShop } from "./shop.ts";

export const CHROMIUM = findBinary("chromium", ["/usr/bin/chromium"]);

/** Exactly these flags (issue 10): headless, sandbox-free for containers, and no network of its own. */
export const CHROMIUM_FLAGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
  "--no-first-run",
  "--disable-quic",
];

export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 375, height: 760 };

/** Where screenshots go: `.screenshots/` (ignored by git), or `SCREENSHOT_DIR` (`bun run screenshots`). */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR ?? ".screenshots";

export type StorefrontRig = Awaited<ReturnType<typeof startStorefront>>;

/**
 * One shop (fresh in-memory database, demo catalog, storefront) and one browser, for a test file.
 * @example const rig = await startStorefront(); const page = await rig.page(PHONE); ... await rig.stop();
 */
export async function startStorefront() {
  const [shop, browser] = await Promise.all([
    startTestShop({ storefront: true }).then(async (s) => {
      await seedCatalog(s.services.product);
      return s;
    }),
    chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_FLAGS }),
  ]);
  const contexts: BrowserContext[] = [];
  return {
    shop,
    browser,
    url: shop.url,
    /** A new page in its own context (its own cookies: a different visitor). */
    async page(viewport = DESKTOP): Promise<Page> {
      const context = await browser.newContext({ viewport, baseURL: shop.url, reducedMotion: "reduce" });
      context.setDefaultTimeout(8_000);
      contexts.push(context);
      return context.newPage();
    },
    async stop() {
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      await browser.close();
      await shop.stop();
    },
  };
}

/** Saves what the page shows now, small enough to keep in the repository. */
export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.png`) });
}

export type { Browser, Page, TestShop };

/** Waits until exactly one element matches and is visible (strict, like an accessibility test). */
export const see = (locator: Locator, timeout?: number) =>
  locator.waitFor({ state: "visible", ...(timeout && { timeout }) });

/** Retries `probe` until it returns without throwing, or rethrows its last error after `timeoutMs`. */
export async function eventually<T>(probe: () => Promise<T>, timeoutMs = 10_000, everyMs = 250): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await probe();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await Bun.sleep(everyMs);
    }
  }
}

/** Presses Tab until `target` has focus: proves it is reachable by keyboard, in tab order. */
export async function tabTo(page: Page, target: Locator, maxPresses = 120) {
  await target.waitFor({ state: "attached" });
  for (let i = 0; i < maxPresses; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`${target} never received focus after ${maxPresses} presses of Tab`);
}

/** Whether the focused element shows a focus indicator (an outline on it or on its ::after overlay). */
export const focusIsVisible = (page: Page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return false;
    const shown = (style: CSSStyleDeclaration) =>
      style.outlineStyle !== "none" && style.outlineWidth !== "0px";
    return shown(getComputedStyle(el)) || shown(getComputedStyle(el, "::after"));
  });
