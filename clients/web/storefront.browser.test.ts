/**
 * The storefront and the staff console in a real browser (Debian's Chromium through playwright-core),
 * against one embedded shop on a fresh in-memory database with the demo catalog, shared by every test
 * here: a customer's way from browsing to a paid order and its e-mail, a declined card, the catalog's
 * state in the URL, the cart's optimistic quantities, the account, keyboard-only shopping; staff making,
 * editing, archiving and fulfilling, and customers kept out of all of it. At desktop size and at 375 px.
 *
 * Cheap by design (it is the gate's slowest file): the browser's tabs are reused from test to test as
 * new visitors (see `startStorefront`), and a visitor whose sign-up or sign-in is not what the test is
 * about starts signed in with a session made over the API. Sign-up through the form is proven by the
 * two shopping journeys and the keyboard test, sign-in through the form by the slow-shop staff test.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from "bun:test";
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
  slowApi,
  startStorefront,
  tabTo,
} from "../../test/support/browser.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { uniqueEmail } from "../../test/support/shop.ts";

const SLOW = 90_000;
const PASSWORD = "correct horse battery";
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
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
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

async function logIn(page: Page, email: string, password = PASSWORD) {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(password);
  await page.getByRole("button", { name: "Log in" }).click();
  await see(page.getByRole("button", { name: "Log out" }));
}

/** A signed-in customer, from the home page: search, pick the variant, check out, pay; the order number. */
async function buyAsCustomer(page: Page, title: string, variant: string) {
  await page.goto("/");
  const search = page.getByRole("searchbox", { name: "Search products" });
  await search.fill(title);
  await search.press("Enter");
  await page.getByRole("link", { name: title, exact: true }).click();
  await see(h1(page, title));
  await page.getByRole("radio", { name: variant, exact: true }).check();
  await see(page.getByText("Only 3 left"));
  await page.getByRole("button", { name: "Add to cart" }).click();
  await page.getByRole("link", { name: "Cart 1 item", exact: true }).click();
  await page.getByRole("button", { name: "Checkout" }).click();
  await see(h1(page, "Checkout"));
  await page.getByLabel("Full name").fill("Grace Buyer");
  await page.getByLabel("Address", { exact: true }).fill("7 Compiler Lane");
  await page.getByLabel("Postal code").fill("75001");
  await page.getByLabel("City").fill("Paris");
  await page.getByLabel("Country").fill("France");
  await page.getByRole("radio", { name: "Visa (succeeds)" }).check();
  await page.getByRole("button", { name: "Place order" }).click();
  const confirmed = h1(page, /Order #\d+ confirmed/);
  await see(confirmed, 15_000);
  return (await confirmed.textContent())!.match(/#(\d+)/)![1]!;
}

describeWith({ chromium: CHROMIUM }, "the storefront in a browser", () => {
  let rig: StorefrontRig;
  const staffEmail = uniqueEmail("staff");
  /** A session of the staff member, for the tests that start in the console. */
  let staffSession: string;
  /** A session of a new customer, for a test that starts signed in. */
  const customerSession = async (name: string) => (await rig.shop.customer(name)).token;
  beforeAll(async () => {
    rig = await startStorefront();
    await rig.shop.services.auth.upsertStaff({ email: staffEmail, password: PASSWORD, name: "Sam Staff" });
    staffSession = (await rig.shop.client().auth.login.mutate({ email: staffEmail, password: PASSWORD }))
      .token;
  }, SLOW);
  afterEach(() => rig.releasePages());
  afterAll(() => rig?.stop());

  describe("shopping", () => {
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

          await rig.shop.settle(); // the e-mail is sent by the outbox relay, a moment after the order
          await page.goto("/dev/mailbox");
          const mail = page.locator("summary").filter({ hasText: email });
          await see(mail.filter({ hasText: "Your order is confirmed" }));
        },
        SLOW,
      );

      it(
        `${size}: a declined card shows the decline reason and leaves the cart as it was${size === "phone" ? ", and nothing on the page moves while a slow shop answers" : ""}`,
        async () => {
          const page = await rig.page(viewport, { session: await customerSession("Bob Declined") });
          // Answers later than 500 ms after a click count as layout shift: the session's, the checkout's.
          if (size === "phone") await slowApi(page, 700);
          await page.goto("/products/stoneware-mug");
          await see(h1(page, "Stoneware Mug"));
          await page.getByRole("button", { name: "Add to cart" }).click();
          await see(cartLink(page, 1));
          await cartLink(page, 1).click();
          await page.getByRole("button", { name: "Checkout" }).click();
          await see(h1(page, "Checkout"));
          await fillAddress(page);
          await see(page.getByText("Tax included (19% VAT, DE)"));
          await page
            .getByRole("radiogroup", { name: "Payment method" })
            .getByRole("radio", { name: "Declined card" })
            .check();
          await screenshot(page, `${size}-checkout-declining`, { maxShift: 0.01 });
          await page.getByRole("button", { name: "Place order" }).click();

          const alert = page.getByRole("alert").filter({ hasText: "Payment declined" });
          await see(alert, 15_000);
          expect(await alert.textContent()).toMatch(/declined.*cart is unchanged/is);
          await screenshot(page, `${size}-declined`, { maxShift: 0.01 });

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
        const page = await rig.page(DESKTOP, { session: buyer.token });
        await page.goto("/account");
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
        await page.getByRole("link", { name: "Orders", exact: true }).click();
        await see(h1(page, "Your orders"));
        await page.getByRole("link", { name: `Order #${order.number}` }).click();
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
        await tabTo(
          page,
          page.getByRole("radiogroup", { name: "Payment method" }).getByRole("radio").first(),
        );
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

  describe("staff console", () => {
    it(
      "phone: staff who opens the console the moment they are signed in keeps working in it while a slow shop catches up",
      async () => {
        const staff = await rig.page(PHONE);
        // The sign-in refetches what the page showed; all of that answers after the click on "Staff".
        await slowApi(staff, 1000);
        await logIn(staff, staffEmail);
        await staff.getByRole("link", { name: "Staff", exact: true }).click();
        await see(h1(staff, "Products"));
        await staff.getByRole("searchbox", { name: "Filter products" }).fill("Linen Tee");
        await see(staff.getByRole("link", { name: "Linen Tee", exact: true }));
        await see(h1(staff, "Products"));
      },
      SLOW,
    );

    it(
      "staff finds a product by filter, changes a price and the stock, then archives it and the shop stops selling it",
      async () => {
        const { product } = await stockedProduct(rig.shop, [4, 6], 1500);
        const staff = await rig.page(DESKTOP, { session: staffSession });
        await staff.goto("/");
        await staff.getByRole("link", { name: "Staff", exact: true }).click();
        await staff.getByRole("searchbox", { name: "Filter products" }).fill(product.title);
        await staff.getByRole("link", { name: product.title, exact: true }).click();
        await see(h1(staff, product.title));

        await staff.getByLabel("Price for S1").fill("17.50");
        await staff.getByLabel("Stock for S0").fill("9");
        await staff.getByRole("button", { name: "Save changes" }).click();
        await see(staff.getByRole("status").getByText("Changes saved."));
        const saved = await rig.shop.client().product.get.query({ id: product.id });
        expect(saved.variants.map((v) => [v.title, v.price.amount, v.stock])).toEqual([
          ["S0", 1500, 9],
          ["S1", 1750, 6],
        ]);

        const customer = await rig.page(DESKTOP);
        await customer.goto(`/products?q=${encodeURIComponent(product.title)}`);
        await see(customer.getByRole("link", { name: product.title, exact: true }));

        await staff.getByRole("button", { name: "Archive product" }).click();
        await staff.getByRole("button", { name: "Yes, archive" }).click();
        await see(h1(staff, "Products"));
        await customer.reload();
        await see(customer.getByText("No products match"));
      },
      SLOW,
    );

    for (const [size, viewport] of viewports) {
      it(
        `${size}: staff creates a product with two variants and stock, a customer finds and buys it, staff fulfils, the customer sees it fulfilled`,
        async () => {
          const staff = await rig.page(viewport, { session: staffSession });
          await staff.goto("/staff");
          await see(h1(staff, "Products"));
          await staff.getByRole("link", { name: "New product" }).click();
          await see(h1(staff, "New product"));

          const title = `Insulated Trail Flask ${size}`;
          await staff.getByLabel("Title").fill(title);
          await staff.getByLabel("Category").selectOption({ label: "Outdoor" });
          await staff
            .getByLabel("Description")
            .fill("Double-walled steel; keeps coffee hot for twelve hours.");
          await staff.getByRole("button", { name: "Add option" }).click();
          await staff.getByLabel("Option 1 name").fill("Size");
          await staff.getByLabel("Option 1 values").fill("500 ml, 750 ml");
          await staff.getByLabel("Price for 500 ml").fill("24.00");
          await staff.getByLabel("Stock for 500 ml").fill("5");
          await staff.getByLabel("Price for 750 ml").fill("29.50");
          await staff.getByLabel("Stock for 750 ml").fill("3");
          await screenshot(staff, `${size}-staff-new-product`);
          await staff.getByRole("button", { name: "Create product" }).click();
          await see(h1(staff, title));
          expect(await staff.getByLabel("Stock for 750 ml").inputValue()).toBe("3");

          const customer = await rig.page(viewport, { session: await customerSession("Grace Buyer") });
          const number = await buyAsCustomer(customer, title, "750 ml");

          const console = staff.getByRole("navigation", { name: "Staff console" });
          await console.getByRole("link", { name: "Orders" }).click();
          await see(h1(staff, "Orders"));
          await staff.getByLabel("Status").selectOption("paid");
          const row = staff.getByRole("row").filter({ hasText: `#${number}` });
          await see(row.getByText("Paid", { exact: true }));
          await row.getByRole("button", { name: `Fulfil order #${number}` }).click();
          await see(staff.getByRole("status").getByText(`Order #${number} is fulfilled.`));
          // Another status on a slow shop: its answer lands well after the choice, so whatever it
          // moves on screen counts as layout shift.
          const fast = await slowApi(staff, 700);
          await staff.getByLabel("Status").selectOption("fulfilled");
          await see(row.getByText("Fulfilled", { exact: true }));
          await fast();
          await screenshot(staff, `${size}-staff-orders`, { keep: size === "desktop" });

          await customer.getByRole("link", { name: "Orders", exact: true }).click();
          await see(h1(customer, "Your orders"));
          const mine = customer.getByRole("listitem").filter({ hasText: `Order #${number}` });
          await see(mine.getByText("Fulfilled", { exact: true }));
          await mine.getByRole("link", { name: `Order #${number}` }).click();
          await see(h1(customer, `Order #${number}`));
          await see(customer.getByText("Fulfilled", { exact: true }));
          expect(await customer.getByRole("button", { name: "Cancel order" }).count()).toBe(0);
        },
        SLOW,
      );

      it(
        `${size}: a customer sees no way into the staff console, and the server refuses them staff calls`,
        async () => {
          const page = await rig.page(viewport, { session: await customerSession("Curious Customer") });
          await page.goto("/");
          await see(page.getByRole("button", { name: "Log out" }));
          expect(await page.getByRole("link", { name: "Staff", exact: true }).count()).toBe(0);

          for (const path of ["/staff", "/staff/orders", "/staff/products/new"]) {
            await page.goto(path);
            await see(h1(page, "Staff only"));
            expect(await page.getByRole("table").count()).toBe(0);
          }

          // The same session, straight at the API: the server says no whatever the page does.
          const answers = await page.evaluate(async () => {
            const answer = async (response: Response) => ({
              status: response.status,
              code: (await response.json()).error?.json?.data?.code,
            });
            const post = (path: string, input: unknown) =>
              fetch(path, {
                method: "POST",
                headers: { "content-type": "application/json" },
                body: JSON.stringify({ json: input }),
              }).then(answer);
            return {
              create: await post("/api/product/trpc/create", {
                title: "Sneaky",
                category: "outdoor",
                variants: [{ sku: "SNEAKY-1", price: { amount: 100, currency: "EUR" }, stock: 1 }],
              }),
              fulfil: await post("/api/order/trpc/fulfil", { id: "01936f3e-8a6b-7000-8000-000000000000" }),
              listAll: await fetch("/api/order/trpc/listAll").then(answer),
            };
          });
          const refused = { status: 403, code: "FORBIDDEN" };
          expect(answers).toEqual({ create: refused, fulfil: refused, listAll: refused });

          const guest = await rig.page(viewport);
          await guest.goto("/staff/orders");
          await see(h1(guest, "Log in"));
        },
        SLOW,
      );
    }
  });
});
