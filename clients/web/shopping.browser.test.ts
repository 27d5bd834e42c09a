/**
 * A customer's way through the storefront in a real browser (Debian's Chromium), against an embedded
 * shop on a fresh in-memory database with the demo catalog: at desktop size and at 375 px.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { describeWith } from "../../test/support/binaries.ts";
import {
  CHROMIUM,
  DESKTOP,
  eventually,
  focusIsVisible,
  type Page,
  PHONE,
  type StorefrontRig,
  screenshot,
  see,
  startStorefront,
  tabTo,
} from "../../test/support/browser.ts";
import { uniqueEmail } from "../../test/support/shop.ts";

const SLOW = 90_000;
const viewports = [
  ["desktop", DESKTOP],
  ["phone", PHONE],
] as const;

const h1 = (page: Page, name: string | RegExp) => page.getByRole("heading", { level: 1, name });
const cartLink = (page: Page, count: number) =>
  page.getByRole("link", { name: `Cart ${count} ${count === 1 ? "item" : "items"}`, exact: true });

/** From anywhere: search, open the product, pick option values, add it; waits for the cart count. */
async function buy(page: Page, query: string, title: string, choices: string[], cartCountAfter: number) {
  const search = page.getByRole("searchbox", { name: "Search products" });
  await search.fill(query);
  await search.press("Enter");
  await see(h1(page, `Results for “${query}”`));
  await page.getByRole("link", { name: title, exact: true }).click();
  await see(h1(page, title));
  for (const choice of choices) await page.getByRole("radio", { name: choice, exact: true }).check();
  await page.getByRole("button", { name: "Add to cart" }).click();
  await see(cartLink(page, cartCountAfter));
}

async function signUp(page: Page, name: string) {
  const email = uniqueEmail(name.split(" ")[0]!.toLowerCase());
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill("correct horse battery");
  await page.getByRole("button", { name: "Sign up" }).click();
  return email;
}

async function fillAddress(page: Page) {
  await page.getByLabel("Full name").fill("Ada Lovelace");
  await page.getByLabel("Address", { exact: true }).fill("12 Analytical Row");
  await page.getByLabel("Postal code").fill("10115");
  await page.getByLabel("City").fill("Berlin");
  await page.getByLabel("Country").fill("DE");
}

describeWith({ chromium: CHROMIUM }, "the storefront in a browser: shopping", () => {
  let rig: StorefrontRig;
  beforeAll(async () => {
    rig = await startStorefront();
  }, SLOW);
  afterAll(() => rig?.stop());

  for (const [size, viewport] of viewports) {
    it(
      `${size}: a guest browses, searches, picks a variant, signs up keeping the cart, pays, and finds the order and its e-mail`,
      async () => {
        const page = await rig.page(viewport);
        await page.goto("/");
        await see(h1(page, "Everyday things, made well"));
        await page.getByRole("list", { name: "Products" }).getByRole("link").first().waitFor();
        await screenshot(page, `${size}-home`, { keep: size === "desktop" });

        // A category, then a product in it, with a variant chosen.
        await page
          .getByRole("navigation", { name: "Categories" })
          .getByRole("link", { name: "Tops" })
          .click();
        await see(h1(page, "Tops"));
        expect(page.url()).toContain("category=tops");
        await screenshot(page, `${size}-catalog`, { keep: size === "phone" });
        await page.getByRole("link", { name: "Linen Tee", exact: true }).click();
        await see(h1(page, "Linen Tee"));
        await page.getByRole("radio", { name: "M", exact: true }).check();
        await page.getByRole("radio", { name: "Sage", exact: true }).check();
        await see(page.getByText(/In stock|Only \d+ left/));
        await screenshot(page, `${size}-product`, { keep: true });
        await page.getByRole("button", { name: "Add to cart" }).click();
        await see(cartLink(page, 1));

        // A second product, found by search.
        await buy(page, "grinder", "Hand Coffee Grinder", [], 2);

        await cartLink(page, 2).click();
        await see(h1(page, "Your cart"));
        const items = page.getByRole("list", { name: "Items in your cart" }).getByRole("listitem");
        expect(await items.count()).toBe(2);
        await screenshot(page, `${size}-cart`, { keep: size === "desktop" });
        await page.getByRole("button", { name: "Checkout" }).click();

        // Signing up keeps the guest's cart.
        await see(h1(page, "Create your account"));
        const email = await signUp(page, "Ada Lovelace");
        await see(h1(page, "Checkout"));
        await see(cartLink(page, 2));
        const summary = page.getByRole("complementary", { name: "Your order" });
        await see(summary.getByText("Linen Tee"));
        await see(summary.getByText("Hand Coffee Grinder"));

        await fillAddress(page);
        const payment = page.getByRole("radiogroup", { name: "Payment method" });
        await see(page.getByRole("note").getByText("Test mode"));
        await payment.getByRole("radio", { name: "Visa (succeeds)" }).check();
        await screenshot(page, `${size}-checkout`, { keep: size === "desktop" });
        await page.getByRole("button", { name: "Place order" }).click();

        const confirmed = h1(page, /Order #\d+ confirmed/);
        await see(confirmed, 15_000);
        const number = (await confirmed.textContent())!.match(/#(\d+)/)![1]!;
        await see(cartLink(page, 0));
        await screenshot(page, `${size}-confirmation`);

        // The order in the history, then the confirmation e-mail in the dev mailbox.
        await page.getByRole("link", { name: "Orders", exact: true }).click();
        await see(h1(page, "Your orders"));
        await page.getByRole("link", { name: `Order #${number}` }).click();
        await see(h1(page, `Order #${number}`));
        await see(page.getByText("Paid", { exact: true }));

        await eventually(async () => {
          await page.goto("/dev/mailbox");
          const mail = page.locator("summary").filter({ hasText: email });
          await see(mail.filter({ hasText: "Your order is confirmed" }), 500);
        });
      },
      SLOW,
    );

    it(
      `${size}: a declined card shows the decline reason and leaves the cart as it was`,
      async () => {
        const page = await rig.page(viewport);
        await page.goto("/products?q=mug");
        await page.getByRole("link", { name: "Stoneware Mug", exact: true }).click();
        await see(h1(page, "Stoneware Mug"));
        await page.getByRole("button", { name: "Add to cart" }).click();
        await see(cartLink(page, 1));
        await page.goto("/checkout");
        await see(h1(page, "Create your account"));
        await signUp(page, "Bob Declined");
        await see(h1(page, "Checkout"));
        await fillAddress(page);
        await page
          .getByRole("radiogroup", { name: "Payment method" })
          .getByRole("radio", { name: "Declined card" })
          .check();
        await page.getByRole("button", { name: "Place order" }).click();

        const alert = page.getByRole("alert").filter({ hasText: "Payment declined" });
        await see(alert, 15_000);
        expect(await alert.textContent()).toMatch(/declined.*cart is unchanged/is);
        await screenshot(page, `${size}-declined`);

        await see(cartLink(page, 1));
        await cartLink(page, 1).click();
        await see(h1(page, "Your cart"));
        await see(page.getByRole("list", { name: "Items in your cart" }).getByText("Stoneware Mug"));
      },
      SLOW,
    );
  }

  it(
    "keeps search, category, price range, sort and pages in the URL, so a reload shows the same",
    async () => {
      const page = await rig.page(DESKTOP);
      const prices = () =>
        page
          .getByRole("list", { name: "Products" })
          .locator(".card-price")
          .allTextContents()
          .then((all) => all.map((p) => Number(p.replace(/[^\d.]/g, ""))));
      await page.goto("/products");
      await see(h1(page, "All products"));
      await page.getByLabel("Sort by").selectOption("price_asc");
      await page.waitForURL(/sort=price_asc/);
      await page.getByLabel("Min price").fill("20");
      await page.getByLabel("Max price").fill("60");
      await page.getByRole("button", { name: "Apply" }).click();
      await page.waitForURL(/min=20\.00.*max=60\.00|max=60\.00.*min=20\.00/);
      await eventually(async () => {
        const shown = await prices();
        expect(shown.length).toBe(24);
        expect(shown).toEqual([...shown].sort((a, b) => a - b));
        expect(shown.every((p) => p >= 20 && p <= 60)).toBe(true);
      });

      await page.getByRole("button", { name: "Show more products" }).click();
      await page.waitForURL(/pages=2/);
      await eventually(async () => expect((await prices()).length).toBeGreaterThan(24));
      const shown = await prices();
      await page.reload();
      await eventually(async () => expect(await prices()).toEqual(shown));
      expect(await page.getByLabel("Min price").inputValue()).toBe("20.00");

      await page.getByLabel("Category").selectOption("footwear");
      await page.waitForURL(
        (url) => url.searchParams.get("category") === "footwear" && !url.searchParams.has("pages"),
      );
      await see(h1(page, "Footwear"));
      const search = page.getByRole("searchbox", { name: "Search products" });
      await search.fill("nothing-sells-like-this");
      await search.press("Enter");
      await see(page.getByText("No products match"));
    },
    SLOW,
  );

  it(
    "changes a quantity at once, and takes it back with the server's reason when stock runs short",
    async () => {
      const page = await rig.page(DESKTOP);
      await page.goto("/products/hand-coffee-grinder");
      await see(h1(page, "Hand Coffee Grinder"));
      await page.getByRole("button", { name: "Add to cart" }).click();
      await see(cartLink(page, 1));
      await cartLink(page, 1).click();

      await page.getByRole("button", { name: "One more Hand Coffee Grinder" }).click();
      await see(cartLink(page, 2));
      const quantity = page.getByRole("spinbutton", { name: "Quantity of Hand Coffee Grinder" });
      expect(await quantity.inputValue()).toBe("2");

      await quantity.fill("999");
      await quantity.press("Enter");
      await see(page.getByRole("alert").filter({ hasText: /only \d+ of .*Hand Coffee Grinder.* left/i }));
      await eventually(async () => expect(await quantity.inputValue()).toBe("2"));
      await see(cartLink(page, 2));
    },
    SLOW,
  );

  it(
    "a customer renames themself, keeps an address book, and cancels a paid order to a refund",
    async () => {
      const buyer = await rig.shop.customer("Lin Cancel");
      const page = await rig.page(DESKTOP);
      await page.goto("/login");
      await page.getByLabel("Email", { exact: true }).fill(buyer.email);
      await page.getByLabel("Password", { exact: true }).fill(buyer.password);
      await page.getByRole("button", { name: "Log in" }).click();
      await page.getByRole("link", { name: "Account", exact: true }).click();
      await see(h1(page, "Your account"));

      await page.getByLabel("Name", { exact: true }).fill("Lin Renamed");
      await page.getByRole("button", { name: "Save profile" }).click();
      await see(page.getByRole("status").getByText("Your profile is saved."));
      await page.getByRole("button", { name: "Add an address" }).click();
      await fillAddress(page);
      await page.getByRole("button", { name: "Save address" }).click();
      const saved = page
        .getByRole("listitem")
        .filter({ hasText: "Ada Lovelace, 12 Analytical Row, 10115 Berlin, DE" });
      await see(saved.getByText("Default", { exact: true }));
      await screenshot(page, "desktop-account");
      expect((await buyer.client.user.me.query()).name).toBe("Lin Renamed");

      // An order placed to the address just saved, then cancelled from its page.
      const mug = await buyer.client.product.get.query({ slug: "stoneware-mug" });
      const variant = mug.variants.find((v) => v.stock > 0)!;
      await buyer.client.cart.addItem.mutate({ variantId: variant.id, quantity: 1 });
      const [address] = await buyer.client.user.addresses.list.query();
      const order = await buyer.client.order.checkout.mutate({
        idempotencyKey: `cancel-${Date.now()}`,
        addressId: address!.id,
        paymentMethodId: "pm_card_visa",
      });
      await page.goto(`/orders/${order.id}`);
      await see(h1(page, `Order #${order.number}`));
      await see(page.getByText("Paid", { exact: true }));
      await page.getByRole("button", { name: "Cancel order" }).click();
      await page.getByRole("button", { name: "Yes, cancel the order" }).click();
      await see(page.getByText("Refunded", { exact: true }));
      expect((await buyer.client.order.get.query({ id: order.id })).status).toBe("refunded");
    },
    SLOW,
  );

  it(
    "keyboard only: from the home page to a placed order, with a visible focus all the way",
    async () => {
      const page = await rig.page(DESKTOP);
      const keys = page.keyboard;
      await page.goto("/");
      await see(h1(page, "Everyday things, made well"));

      await tabTo(page, page.getByRole("searchbox", { name: "Search products" }));
      expect(await focusIsVisible(page)).toBe(true);
      await keys.type("notebook");
      await keys.press("Enter");
      await see(h1(page, "Results for “notebook”"));

      const product = page.getByRole("link", { name: "Dot Grid Notebook A5", exact: true });
      await tabTo(page, product);
      expect(await focusIsVisible(page)).toBe(true);
      await keys.press("Enter");
      await see(h1(page, "Dot Grid Notebook A5"));

      await tabTo(page, page.getByRole("button", { name: "Add to cart" }));
      expect(await focusIsVisible(page)).toBe(true);
      await keys.press("Enter");
      await see(cartLink(page, 1));

      await tabTo(page, cartLink(page, 1));
      await keys.press("Enter");
      await see(h1(page, "Your cart"));
      await tabTo(page, page.getByRole("button", { name: "Checkout" }));
      await keys.press("Enter");

      await see(h1(page, "Create your account"));
      await tabTo(page, page.getByLabel("Name", { exact: true }));
      await keys.type("Kim Keys");
      await keys.press("Tab");
      await keys.type(uniqueEmail("keys"));
      await keys.press("Tab");
      await keys.type("correct horse battery");
      await keys.press("Enter");

      await see(h1(page, "Checkout"));
      for (const [label, value] of [
        ["Full name", "Kim Keys"],
        ["Address", "3 Tab Street"],
        ["Postal code", "1010"],
        ["City", "Vienna"],
        ["Country", "AT"],
      ] as const) {
        await tabTo(page, page.getByLabel(label, { exact: true }));
        expect(await focusIsVisible(page)).toBe(true);
        await keys.type(value);
      }
      // Typing a country re-prices the cart for it; the form stays put and keeps what was typed.
      await see(page.getByText("Tax included (20% VAT, AT)"));
      expect(await page.getByLabel("Country", { exact: true }).inputValue()).toBe("AT");
      expect(await page.getByLabel("City", { exact: true }).inputValue()).toBe("Vienna");
      const visa = page.getByRole("radio", { name: "Visa (succeeds)" });
      await tabTo(page, page.getByRole("radiogroup", { name: "Payment method" }).getByRole("radio").first());
      await keys.press("Space");
      expect(await visa.isChecked()).toBe(true);

      await tabTo(page, page.getByRole("button", { name: "Place order" }));
      expect(await focusIsVisible(page)).toBe(true);
      await keys.press("Enter");
      await see(h1(page, /Order #\d+ confirmed/), 15_000);
    },
    SLOW,
  );
});
