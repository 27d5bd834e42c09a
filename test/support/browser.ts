/**
 * A real browser for the storefront's tests: Debian's Chromium driven by playwright-core (never a
 * downloaded browser), against an embedded shop that serves the built storefront on a loopback port.
 */
import { expect } from "bun:test";
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import {
  type Browser,
  type BrowserContext,
  chromium,
  type Locator,
  type Page,
  type Route,
} from "playwright-core";
import { seedCatalog } from "../../services/product/seed/index.ts";
import { findBinary } from "./binaries.ts";
import { type EmbeddedShop, startEmbeddedShop } from "./shop.ts";

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

/**
 * Where screenshots go: every one to `.screenshots/` (ignored by git); with `SCREENSHOT_DIR` (`bun run
 * screenshots` sets docs/screenshots) only the few marked `keep`, for the README. JPEG: small and quick.
 */
const SCREENSHOT_DIR = process.env.SCREENSHOT_DIR;

export type StorefrontRig = Awaited<ReturnType<typeof startStorefront>>;

type Viewport = { width: number; height: number };
/** The cookie a signed-in browser sends (API.md: Auth). */
const SESSION_COOKIE = "fastr_session";

/**
 * One shop (fresh in-memory database, demo catalog, storefront) and one browser, for a test file.
 *
 * Visitors are browser tabs, each in a context of its own (its own cookies), sized as asked and kept
 * for the next test instead of closed: a fresh tab costs a renderer process and a cold load of the
 * storefront, ~1.5 s of CPU here, where a navigation in a kept one costs ~0.3 s. Between tests a kept
 * tab leaves the app (it goes to `/healthz`, so nothing of the last test still runs or sets cookies),
 * and forgets its cookies, its storage and any `slowApi`: the next test gets a new visitor in all that
 * a shop can tell.
 * @example const rig = await startStorefront(); const page = await rig.page(PHONE); ... await rig.releasePages(); ... await rig.stop();
 */
export async function startStorefront() {
  const [shop, browser] = await Promise.all([
    startEmbeddedShop({ storefront: true }).then(async (s) => {
      await seedCatalog(s.services.product);
      return s;
    }),
    chromium.launch({ executablePath: CHROMIUM!, args: CHROMIUM_FLAGS }),
  ]);
  const idle: Page[] = [];
  const taken: Page[] = [];
  const contexts: BrowserContext[] = [];

  async function newTab() {
    const context = await browser.newContext({ baseURL: shop.url, reducedMotion: "reduce" });
    context.setDefaultTimeout(15_000);
    contexts.push(context);
    return context.newPage();
  }

  return {
    shop,
    browser,
    url: shop.url,
    /**
     * A tab for a new visitor (cookies of its own) at `viewport`; with `session`, a visitor signed in
     * with that token (from `auth.signup` / `auth.login`), as the sign-in form would have left them.
     * It shows nothing of ours until the test navigates.
     */
    async page(viewport: Viewport = DESKTOP, { session }: { session?: string } = {}): Promise<Page> {
      const tab = idle.shift() ?? (await newTab());
      taken.push(tab);
      const size = tab.viewportSize();
      if (size?.width !== viewport.width || size.height !== viewport.height) {
        await tab.setViewportSize(viewport);
      }
      if (session) {
        await tab
          .context()
          .addCookies([
            { name: SESSION_COOKIE, value: session, url: shop.url, httpOnly: true, sameSite: "Lax" },
          ]);
      }
      return tab;
    },
    /** Takes back every tab handed out since the last call, for the next test (see above). */
    async releasePages() {
      for (const tab of taken.splice(0)) {
        const context = tab.context();
        try {
          await context.unrouteAll({ behavior: "ignoreErrors" });
          await tab.goto("/healthz");
          await tab.evaluate(() => {
            sessionStorage.clear();
            localStorage.clear();
          });
          await context.clearCookies();
          idle.push(tab);
        } catch {
          await context.close().catch(() => {}); // a tab that cannot be cleaned is not reused
        }
      }
    },
    async stop() {
      await Promise.all(contexts.map((c) => c.close().catch(() => {})));
      await browser.close();
      await shop.stop();
    },
  };
}

/**
 * What every page should get right, Lighthouse-style: one `<h1>`, its own `<title>`, `lang`, a name for
 * every form control, nothing that scrolls sideways (375 px included) and no layout shift worth the name.
 * `moved` names what shifted (the layout-shift entries' nodes, where they were and went), for a failure
 * to point at.
 */
export const pageBasics = (page: Page) =>
  page.evaluate(async () => {
    const controls = [...document.querySelectorAll("input, select, textarea")].filter(
      (el) => (el as HTMLInputElement).type !== "hidden",
    ) as (HTMLInputElement | HTMLSelectElement | HTMLTextAreaElement)[];
    const unlabelled = controls
      .filter(
        (el) => !el.labels?.length && !el.getAttribute("aria-label") && !el.getAttribute("aria-labelledby"),
      )
      .map((el) => el.outerHTML.slice(0, 80));
    type Shift = PerformanceEntry & {
      value: number;
      hadRecentInput: boolean;
      sources: { node: Node | null; previousRect: DOMRectReadOnly; currentRect: DOMRectReadOnly }[];
    };
    // Layout shift not caused by input, since the previous check (a client-side route keeps the document).
    const entries = await new Promise<Shift[]>((resolve) => {
      const all: Shift[] = [];
      const observer = new PerformanceObserver((list) => {
        all.push(...(list.getEntries() as Shift[]));
      });
      observer.observe({ type: "layout-shift", buffered: true });
      setTimeout(() => {
        observer.disconnect();
        resolve(all);
      }, 50);
    });
    const state = window as unknown as { checkedShifts?: number };
    const fresh = entries.slice(state.checkedShifts ?? 0).filter((e) => !e.hadRecentInput);
    state.checkedShifts = entries.length;
    const describe = (node: Node | null) => {
      const element = node instanceof Element ? node : node?.parentElement;
      if (!element) return "(gone)";
      const classes = [...element.classList].map((c) => `.${c}`).join("");
      return `${element.tagName.toLowerCase()}${classes} “${(node?.textContent ?? "").trim().slice(0, 30)}”`;
    };
    const moved = fresh.flatMap((e) =>
      e.sources.map(
        (s) =>
          `${describe(s.node)} y ${Math.round(s.previousRect.y)}→${Math.round(s.currentRect.y)} (${e.value.toFixed(3)})`,
      ),
    );
    return {
      h1: document.querySelectorAll("h1").length,
      titled: /\S+ — fastr$/.test(document.title),
      lang: document.documentElement.lang,
      unlabelled,
      layoutShift: Math.round(fresh.reduce((sum, e) => sum + e.value, 0) * 1000) / 1000,
      moved,
    };
  });

/**
 * Saves the top of the page as it is now, and checks on the way the basics every page must get right
 * (see `pageBasics`) and that nothing on it scrolls sideways. The layout shift since the last check
 * must stay under `maxShift` (0.05 by default; "good" is under 0.1).
 */
export async function screenshot(page: Page, name: string, { keep = false, maxShift = 0.05 } = {}) {
  const { layoutShift, moved, ...basics } = await pageBasics(page);
  expect({ name, ...basics }).toEqual({ name, h1: 1, titled: true, lang: "en", unlabelled: [] });
  expect({ name, layoutShift: layoutShift < maxShift ? "small" : { layoutShift, moved } }).toEqual({
    name,
    layoutShift: "small",
  });
  await page.evaluate(() => window.scrollTo({ top: 0, behavior: "instant" }));
  if (!SCREENSHOT_DIR) {
    mkdirSync(".screenshots", { recursive: true });
    await page.screenshot({ path: join(".screenshots", `${name}.jpg`), type: "jpeg", quality: 80 });
  } else if (keep) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path: join(SCREENSHOT_DIR, `${name}.jpg`), type: "jpeg", quality: 80 });
  }
  expect({ name, overflow: await sidewaysOverflow(page) }).toEqual({ name, overflow: 0 });
}

/**
 * Holds every API request of `page`'s context back by `ms` before it goes on to the shop (a slow
 * network or a busy shop, as the page sees it; the answers are the shop's own). Past 500 ms, what an
 * answer moves on screen counts as layout shift even right after a click. Returns the undo.
 * @example const fast = await slowApi(page, 700); ...; await fast();
 */
export async function slowApi(page: Page, ms: number) {
  const isApi = (url: URL) => url.pathname.startsWith("/api/");
  const handler = async (route: Route) => {
    await Bun.sleep(ms);
    await route.continue().catch(() => {}); // the page may have closed meanwhile
  };
  await page.context().route(isApi, handler);
  return () => page.context().unroute(isApi, handler);
}

export type { Browser, EmbeddedShop, Page };

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

/** How many pixels the page is wider than the window (0: nothing scrolls sideways), and what sticks out. */
export const sidewaysOverflow = (page: Page) =>
  page.evaluate(() => {
    const overflow = document.documentElement.scrollWidth - window.innerWidth;
    if (overflow <= 0) return 0;
    // Absolutely positioned elements first: they escape a scrolling parent that is not positioned.
    const culprits = [...document.querySelectorAll("body *")]
      .filter((el) => el.getBoundingClientRect().right > window.innerWidth + 0.5)
      .sort(
        (a, b) =>
          Number(getComputedStyle(b).position === "absolute") -
          Number(getComputedStyle(a).position === "absolute"),
      )
      .slice(0, 3)
      .map((el) => `${el.tagName.toLowerCase()}.${[...el.classList].join(".")}`);
    return `${overflow}px: ${culprits.join(", ")}`;
  });
