import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { migratedDatabase } from "../../test/support/migrated-database.ts";
import { carts, lines } from "./db/schema.ts";
import { cartModule } from "./module.ts";
import { cartStore } from "./store.ts";

let db: Database;
beforeAll(async () => {
  // The test shops' migrated database: no initdb of its own (cart's migrations are applied already).
  db = await openPglite(undefined, { from: await migratedDatabase() });
  await db.migrate(cartModule.migrations);
});
afterAll(() => db.close());

describe("the cart's statements", () => {
  it("adds a line to a new guest cart, then to it again, returning its lines each time", async () => {
    const store = cartStore(db.primary);
    const [a, b] = [newId(), newId()];
    const now = new Date();
    const first = await store.addToLine({ newGuestToken: "token-1" }, { variantId: a, quantity: 2, now });
    expect(first).toEqual([{ cartId: expect.any(String), variantId: a, quantity: 2, addedAt: now }]);
    const cartId = first![0]!.cartId;
    const later = new Date(now.getTime() + 1000);
    const second = await store.addToLine(
      { cartId, token: "token-1" },
      { variantId: b, quantity: 1, now: later },
    );
    const third = await store.addToLine(
      { cartId, token: "token-1" },
      { variantId: a, quantity: 3, now: later },
    );
    expect(second!.map((l) => [l.variantId, l.quantity])).toEqual([
      [a, 2],
      [b, 1],
    ]);
    expect(third!.map((l) => [l.variantId, l.quantity])).toEqual([
      [a, 5],
      [b, 1],
    ]);
    expect((await store.read({ token: "token-1" })).lines).toEqual(third!);
  });

  it("answers null and writes nothing when the guest cart it was given is gone", async () => {
    const store = cartStore(db.primary);
    const [created] = (await store.addToLine(
      { newGuestToken: "token-2" },
      { variantId: newId(), quantity: 1, now: new Date() },
    ))!;
    await db.primary.delete(carts);
    const missing = await store.addToLine(
      { cartId: created!.cartId, token: "token-2" },
      { variantId: newId(), quantity: 1, now: new Date() },
    );
    expect(missing).toBeNull();
    expect(await db.primary.select().from(lines)).toEqual([]);
  });
});
