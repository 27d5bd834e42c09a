import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import { join } from "node:path";
import { and, eq, gt, sql } from "drizzle-orm";
import { notes, products } from "../../test/fixtures/schema.ts";
import { waitFor } from "../../test/support/binaries.ts";
import { rejection } from "../../test/support/failure.ts";
import { builtOnce, builtOnceFor } from "./built-once.ts";
import { insertWhen } from "./insert-when.ts";
import type { Database, Migrations } from "./port.ts";
import { uniqueViolation } from "./unique-violation.ts";

/** drizzle-kit output for test/fixtures/schema.ts: 0000 creates schema `contract` + products, 0001 adds notes. */
export const fixtureMigrations: Migrations = {
  schema: "contract",
  folder: join(import.meta.dir, "../../test/fixtures/migrations"),
};

/**
 * The db port's behaviour, run against every adapter. `open` must return a handle on an empty database
 * each time it is called; each test opens one and closes it (a handle may empty a database kept for the
 * next test instead of closing it).
 * @example dbContract("pglite", () => openPglite());
 */
export function dbContract(name: string, open: () => Promise<Database>) {
  describe(`db port: ${name}`, () => {
    let db: Database;
    beforeEach(async () => {
      db = await open();
    });
    afterEach(async () => {
      await db.close();
    });

    it("answers a ping", async () => {
      await db.ping();
    });

    it("migrating an empty database creates every table of the service's schema", async () => {
      await db.migrate(fixtureMigrations);

      await db.primary.insert(products).values({ sku: "tee", stock: 3 });
      await db.primary.insert(notes).values({ body: "hello" });
      expect(await db.primary.select().from(products)).toEqual([{ sku: "tee", stock: 3 }]);
      expect(await db.primary.select({ body: notes.body }).from(notes)).toEqual([{ body: "hello" }]);
    });

    it("migrating an up-to-date database changes nothing and keeps the data", async () => {
      await db.migrate(fixtureMigrations);
      await db.primary.insert(products).values({ sku: "tee", stock: 3 });

      await db.migrate(fixtureMigrations);

      expect(await db.primary.select().from(products)).toEqual([{ sku: "tee", stock: 3 }]);
    });

    it("two migrations started at once both succeed", async () => {
      await Promise.all([db.migrate(fixtureMigrations), db.migrate(fixtureMigrations)]);

      await db.primary.insert(notes).values({ body: "after the race" });
      expect(await db.primary.$count(notes)).toBe(1);
    });

    it("a transaction that throws leaves nothing behind", async () => {
      await db.migrate(fixtureMigrations);

      const failing = db.primary.transaction(async (tx) => {
        await tx.insert(notes).values({ body: "never committed" });
        throw new Error("payment declined");
      });

      expect(await rejection(failing)).toHaveProperty("message", "payment declined");
      expect(await db.primary.select().from(notes)).toEqual([]);
    });

    it("50 buyers racing for 10 units: exactly 10 get one and stock ends at 0", async () => {
      await db.migrate(fixtureMigrations);
      await db.primary.insert(products).values({ sku: "tee", stock: 10 });

      const attempts = Array.from({ length: 50 }, () =>
        db.primary
          .update(products)
          .set({ stock: sql`${products.stock} - 1` })
          .where(and(eq(products.sku, "tee"), gt(products.stock, 0)))
          .returning({ left: products.stock }),
      );
      const results = await Promise.all(attempts);

      const won = results.flat().map((row) => row.left);
      expect(won.toSorted((a, b) => a - b)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
      expect(await db.primary.select({ stock: products.stock }).from(products)).toEqual([{ stock: 0 }]);
    });

    it("a duplicate key is told apart from other failures, by the constraint it broke", async () => {
      await db.migrate(fixtureMigrations);
      await db.primary.insert(products).values({ sku: "tee", stock: 3 });

      const duplicate = await db.primary
        .insert(products)
        .values({ sku: "tee", stock: 1 })
        .catch((error: unknown) => error);
      const otherFailure = await db.primary.execute(sql`select 1/0`).catch((error: unknown) => error);

      expect(uniqueViolation(duplicate)).toBe("products_pkey");
      expect(uniqueViolation(otherFailure)).toBeNull();
    });

    it("an insert joined to a guard in one statement writes its rows only when the guard changed a row", async () => {
      await db.migrate(fixtureMigrations);
      await db.primary.insert(products).values({ sku: "tee", stock: 1 });
      const sellOne = (body: string) => {
        const sold = db.primary.$with("sold").as(
          db.primary
            .update(products)
            .set({ stock: sql`${products.stock} - 1` })
            .where(and(eq(products.sku, "tee"), gt(products.stock, 0)))
            .returning(),
        );
        const noted = insertWhen(db.primary, "noted", notes, [{ body }, { body: `${body}, again` }], sold);
        return db.primary.with(sold, noted).select().from(sold);
      };

      expect(await sellOne(`sold "the" 'last' one`)).toEqual([{ sku: "tee", stock: 0 }]);
      expect(await sellOne("sold nothing")).toEqual([]);

      expect((await db.primary.select({ body: notes.body }).from(notes)).map((n) => n.body).sort()).toEqual([
        `sold "the" 'last' one`,
        `sold "the" 'last' one, again`,
      ]);
    });

    it("a statement built once runs again with other values, a value used twice filled in both places", async () => {
      await db.migrate(fixtureMigrations);
      const restock = builtOnce<{ sku: string; stock: number }>(
        db.primary,
        sql`insert into ${products} (sku, stock) values (${sql.placeholder("sku")}, ${sql.placeholder("units")})
          on conflict (sku) do update set stock = ${products.stock} + ${sql.placeholder("units")}
          returning sku, stock`,
      );

      expect(await restock({ sku: "tee", units: 2 })).toEqual([{ sku: "tee", stock: 2 }]);
      expect(await restock({ sku: "tee", units: 3 })).toEqual([{ sku: "tee", stock: 5 }]);
      expect(await restock({ sku: "mug", units: 1 })).toEqual([{ sku: "mug", stock: 1 }]);
    });

    it("a statement built once for any executor runs in two transactions and on the handle", async () => {
      await db.migrate(fixtureMigrations);
      const restock = builtOnceFor<{ sku: string; stock: number }>(
        sql`insert into ${products} (sku, stock) values (${sql.placeholder("sku")}, ${sql.placeholder("units")})
          on conflict (sku) do update set stock = ${products.stock} + ${sql.placeholder("units")}
          returning sku, stock`,
      );

      expect(await db.primary.transaction((tx) => restock(tx, { sku: "tee", units: 2 }))).toEqual([
        { sku: "tee", stock: 2 },
      ]);
      const rolledBack = db.primary.transaction(async (tx) => {
        await restock(tx, { sku: "tee", units: 40 });
        throw new Error("rolled back");
      });
      expect(await rejection(rolledBack)).toHaveProperty("message", "rolled back");
      expect(await restock(db.primary, { sku: "tee", units: 3 })).toEqual([{ sku: "tee", stock: 5 }]);
    });

    it("a write is readable from the primary at once", async () => {
      await db.migrate(fixtureMigrations);

      await db.primary.insert(notes).values({ body: "read your writes" });

      expect(await db.primary.select({ body: notes.body }).from(notes)).toEqual([
        { body: "read your writes" },
      ]);
    });

    it("a write reaches replica reads soon after", async () => {
      await db.migrate(fixtureMigrations);

      await db.primary.insert(notes).values({ body: "eventually everywhere" });

      await waitFor(
        "the note to be readable from the replica",
        async () => (await db.replica.select().from(notes)).some((n) => n.body === "eventually everywhere"),
        5_000,
      );
    });
  });
}
