/**
 * The staff console in a real browser, and the customer on the other side of it: a product made by
 * staff is found and bought, then fulfilled. Customers never get in, in the UI or on the server.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { describeWith } from "../../test/support/binaries.ts";
import {
  CHROMIUM,
  DESKTOP,
  type Page,
  PHONE,
  type StorefrontRig,
  screenshot,
  see,
  startStorefront,
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

async function logIn(page: Page, email: string) {
  await page.goto("/login");
  await page.getByLabel("Email", { exact: true }).fill(email);
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Log in" }).click();
  await see(page.getByRole("button", { name: "Log out" }));
}

async function signUp(page: Page, name: string) {
  await page.getByLabel("Name", { exact: true }).fill(name);
  await page.getByLabel("Email", { exact: true }).fill(uniqueEmail("buyer"));
  await page.getByLabel("Password", { exact: true }).fill(PASSWORD);
  await page.getByRole("button", { name: "Sign up" }).click();
}

/** A guest finds the product by search, buys one of `variant`, signs up at checkout and pays. */
async function buyAsNewCustomer(page: Page, title: string, variant: string) {
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
  await see(h1(page, "Create your account"));
  await signUp(page, "Grace Buyer");
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

describeWith({ chromium: CHROMIUM }, "the storefront in a browser: staff console", () => {
  let rig: StorefrontRig;
  const staffEmail = uniqueEmail("staff");
  beforeAll(async () => {
    rig = await startStorefront();
    await rig.shop.services.auth.upsertStaff({ email: staffEmail, password: PASSWORD, name: "Sam Staff" });
  }, SLOW);
  afterAll(() => rig?.stop());

  it(
    "staff finds a product by filter, changes a price and the stock, then archives it and the shop stops selling it",
    async () => {
      const { product } = await stockedProduct(rig.shop, [4, 6], 1500);
      const staff = await rig.page(DESKTOP);
      await logIn(staff, staffEmail);
      await staff.goto("/staff");
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
        const staff = await rig.page(viewport);
        await logIn(staff, staffEmail);
        await staff.getByRole("link", { name: "Staff", exact: true }).click();
        await see(h1(staff, "Products"));
        await staff.getByRole("link", { name: "New product" }).click();
        await see(h1(staff, "New product"));

        const title = `Insulated Trail Flask ${size}`;
        await staff.getByLabel("Title").fill(title);
        await staff.getByLabel("Category").selectOption({ label: "Outdoor" });
        await staff.getByLabel("Description").fill("Double-walled steel; keeps coffee hot for twelve hours.");
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

        const customer = await rig.page(viewport);
        const number = await buyAsNewCustomer(customer, title, "750 ml");

        const console = staff.getByRole("navigation", { name: "Staff console" });
        await console.getByRole("link", { name: "Orders" }).click();
        await see(h1(staff, "Orders"));
        await staff.getByLabel("Status").selectOption("paid");
        const row = staff.getByRole("row").filter({ hasText: `#${number}` });
        await see(row.getByText("Paid", { exact: true }));
        await row.getByRole("button", { name: `Fulfil order #${number}` }).click();
        await see(staff.getByRole("status").getByText(`Order #${number} is fulfilled.`));
        await staff.getByLabel("Status").selectOption("fulfilled");
        await see(row.getByText("Fulfilled", { exact: true }));
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
        const page = await rig.page(viewport);
        await page.goto("/signup");
        await signUp(page, "Curious Customer");
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
