import { afterAll, beforeAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { openPostgres } from "../../../platform/db/pg.ts";
import { type Database, rowsOf, type Tx } from "../../../platform/db/port.ts";
import { newId } from "../../../platform/ids.ts";
import { describeWith, waitFor } from "../../../test/support/binaries.ts";
import { stockedProduct } from "../../../test/support/catalog.ts";
import { postgresBinary, startPostgres, type ThrowawayPostgres } from "../../../test/support/postgres.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../../test/support/shop.ts";
import { products, variants } from "../db/schema.ts";
import { giveBackStock, holdStock, noStockEffect, type StockLine, takeStock } from "./movements.ts";

/**
 * Two checkouts sharing variants deadlock if they lock them in different orders, and Postgres
 * answers one of them with an error (a 500 the bench's mixed shoppers met). Every stock movement
 * must lock its rows in id order, whatever order the lines come in and the rows lie on disk.
 */
describeWith({ postgres: postgresBinary }, "stock movements on Postgres", () => {
  let server: ThrowawayPostgres;
  let shop: EmbeddedShop;
  let db: Database;
  let productId: string;
  /** The product's variant ids, ascending; the first two lie after the others on disk. */
  let ids: string[];
  beforeAll(async () => {
    server = await startPostgres();
    db = await openPostgres({ url: server.url, poolSize: 4, onError: () => {} });
    shop = await startEmbeddedShop({ db });
    const { product, variantIds } = await stockedProduct(shop, Array(5).fill(1000));
    productId = product.id;
    ids = variantIds.toSorted();
    await db.primary.execute(
      sql`update ${variants} set stock = stock where id = any(${sql.param(ids.slice(0, 2))}::uuid[])`,
    );
  });
  afterAll(async () => {
    await shop?.stop();
    await server?.stop();
  });

  /** Waits until one statement of this database waits for a lock. */
  const someoneWaits = () =>
    waitFor("a statement to wait for a row lock", async () => {
      const [row] = rowsOf<{ waiting: number }>(
        await db.primary.execute(
          sql`select count(*)::int as waiting from pg_stat_activity where wait_event_type = 'Lock' and datname = current_database()`,
        ),
      );
      return row?.waiting === 1;
    });

  /** Runs `work` while a transaction of its own holds the row of `variantId`; resolves once `work` is done. */
  async function whileLocked(variantId: string, work: (waiting: () => Promise<void>) => Promise<void>) {
    const { promise: letGo, resolve: release } = Promise.withResolvers<void>();
    const { promise: holding, resolve: held } = Promise.withResolvers<void>();
    const blocker = db.primary.transaction(async (tx) => {
      await tx.execute(sql`select id from ${variants} where id = ${variantId} for no key update`);
      held();
      await letGo;
    });
    await holding;
    try {
      await work(async () => release());
    } finally {
      release();
      await blocker;
    }
  }

  /** The variants nobody holds a row lock on right now. */
  const unlocked = async () =>
    rowsOf<{ id: string }>(
      await db.primary.execute(
        sql`select id from ${variants} where id = any(${sql.param(ids)}::uuid[]) order by id for no key update skip locked`,
      ),
    ).map((r) => r.id);

  /**
   * Holds the middle variant's row, starts `movement` on every variant (lines in shuffled order)
   * and, once it waits, reads which rows it took so far: the ones before the middle, in id order.
   */
  async function rowsTakenBeforeTheMiddle(movement: (tx: Tx, lines: StockLine[]) => Promise<unknown>) {
    let taken: string[] = [];
    await whileLocked(ids[2]!, async (release) => {
      const lines = [3, 0, 4, 1, 2].map((i) => ({ variantId: ids[i]!, quantity: 1 }));
      const moving = db.primary.transaction((tx) => movement(tx, lines));
      // Once it waits for the middle row it can take nothing more: what it holds is what it took first.
      await someoneWaits();
      const free = await unlocked();
      taken = ids.filter((id) => id !== ids[2] && !free.includes(id));
      await release();
      await moving;
    });
    return taken;
  }

  it("holds an order's stock taking rows in id order", async () => {
    const taken = await rowsTakenBeforeTheMiddle((tx, lines) =>
      holdStock(tx, newId(), lines, 60_000, noStockEffect()),
    );
    expect(taken).toEqual(ids.slice(0, 2));
  });

  it("sells lapsed stock taking rows in id order", async () => {
    const taken = await rowsTakenBeforeTheMiddle((tx, lines) => takeStock(tx, lines, noStockEffect()));
    expect(taken).toEqual(ids.slice(0, 2));
  });

  it("gives stock back taking rows in id order", async () => {
    const taken = await rowsTakenBeforeTheMiddle((tx, lines) => giveBackStock(tx, lines, noStockEffect()));
    expect(taken).toEqual(ids.slice(0, 2));
  });

  it("changes a variant for staff taking the variants' rows before the product's, as a sale does", async () => {
    await whileLocked(ids[0]!, async (release) => {
      const editing = shop.services.product.update({
        id: productId,
        variants: [{ id: ids[0]!, price: { amount: 120, currency: "EUR" } }],
      });
      await someoneWaits();
      const [free] = rowsOf<{ id: string }>(
        await db.primary.execute(
          sql`select id from ${products} where id = ${productId} for no key update skip locked`,
        ),
      );
      expect(free?.id).toBe(productId);
      await release();
      await editing;
    });
  });
});
