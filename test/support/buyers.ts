import { sql } from "drizzle-orm";
import { rowsOf } from "../../platform/db/port.ts";
import type { TestShop } from "./shop.ts";

export const address = {
  name: "Ada Buyer",
  line1: "Unter den Linden 1",
  city: "Berlin",
  postalCode: "10117",
  country: "DE",
};

/** A signed-in customer with an address and `quantity` of the variant in the cart, ready to check out. */
export async function readyBuyer(shop: TestShop, variantId: string, quantity = 1) {
  const customer = await shop.customer();
  const { id: addressId } = await customer.client.user.addresses.add.mutate(address);
  await customer.client.cart.addItem.mutate({ variantId, quantity });
  return { ...customer, addressId };
}

export type Buyer = Awaited<ReturnType<typeof readyBuyer>>;

/**
 * The buyer checks out their cart to their saved address, paying with `paymentMethodId`, under a new
 * idempotency key unless one is given.
 * @example await checkout(buyer, "pm_card_chargeDeclined", "declined-1")
 */
export const checkout = (
  buyer: Buyer,
  paymentMethodId = "pm_card_visa",
  idempotencyKey = `checkout-${crypto.randomUUID()}`,
) => buyer.client.order.checkout.mutate({ idempotencyKey, addressId: buyer.addressId, paymentMethodId });

/** Where every unit of a variant is: on the shelf, held for a checkout, or sold. */
export async function stockLedger(shop: TestShop, variantId: string) {
  const [row] = rowsOf<{ stock: number; held: number; sold: number }>(
    await shop.db.primary.execute(sql`
      select v.stock,
        coalesce((select sum(quantity) from product.reservations r where r.variant_id = v.id and r.status = 'held'), 0)::int as held,
        coalesce((select sum(quantity) from product.reservations r where r.variant_id = v.id and r.status = 'committed'), 0)::int as sold
      from product.variants v where v.id = ${variantId}`),
  );
  return row!;
}

/** The e-mails that went out for a user, oldest first, by kind. */
export async function emailKinds(shop: TestShop, token: string) {
  await shop.settle();
  const { items } = await shop.client(token).notification.list.query({ limit: 100 });
  return items.map((e) => e.kind).reverse();
}
