import { and, asc, count, desc, eq, gte, inArray, lt, lte, ne, type SQL, sql } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import type {
  CreateProduct,
  GetProductInput,
  ListProductsInput,
  Product,
  ProductApi,
  ProductSummary,
  Variant,
} from "../../contracts/product.ts";
import { appendToOutbox, event } from "../../platform/bus/outbox.ts";
import { type Executor, rowsOf, type Tx } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { migrationsOf, type ServicePorts } from "../../platform/service.ts";
import { catalogCache } from "./catalog-cache.ts";
import { categories, outbox, products, reservations, variants } from "./db/schema.ts";
import {
  decodeCursor,
  effectiveSort,
  encodeCursor,
  listingFacts,
  slugify,
  variantTitle,
} from "./domain/catalog.ts";

export const productModule = migrationsOf("product", import.meta.dir);
export { catalogGeneration } from "./catalog-cache.ts";
export { outbox as productOutbox } from "./db/schema.ts";

const productNotFound = () => new DomainError("NOT_FOUND", "PRODUCT.NOT_FOUND", "product not found");
const variantNotFound = () => new DomainError("NOT_FOUND", "PRODUCT.VARIANT_NOT_FOUND", "variant not found");

/** Postgres unique violations, by constraint name, across both drivers (drizzle wraps the driver error). */
function violatedConstraint(error: unknown): string | null {
  for (
    let e = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === "23505") return e.constraint ?? "unique";
  }
  return null;
}

const summaryColumns = {
  id: products.id,
  slug: products.slug,
  title: products.title,
  image: products.image,
  priceFrom: products.priceFrom,
  currency: products.currency,
  inStock: products.inStock,
  createdAt: products.createdAt,
  categorySlug: categories.slug,
  categoryName: categories.name,
};
type SummaryRow = { [K in keyof typeof summaryColumns]: (typeof summaryColumns)[K]["_"]["data"] };

const toSummary = (r: SummaryRow): ProductSummary => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  category: { slug: r.categorySlug, name: r.categoryName },
  image: r.image,
  priceFrom: { amount: r.priceFrom, currency: r.currency as "EUR" },
  inStock: r.inStock,
});

const toVariant = (v: typeof variants.$inferSelect): Variant => ({
  id: v.id,
  sku: v.sku,
  title: v.title,
  options: v.options,
  price: { amount: v.price, currency: v.currency as "EUR" },
  stock: v.stock,
});

/** `lin shirt` → `lin:* & shirt:*`: every word must match, each as a prefix (search as you type). */
function prefixQuery(q: string): string | null {
  const words =
    q
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 8) ?? [];
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

export function createProductService(ports: ServicePorts, options: { cacheTtlMs: number }): ProductApi {
  const { db, clock } = ports;
  const cache = catalogCache(ports.cache, options.cacheTtlMs);
  const stockConflicts = ports.metrics.counter({
    name: "fastr_stock_conflicts_total",
    help: "Stock takes (reserving or re-taking units) that found too few units left and were refused",
  });
  stockConflicts.inc({}, 0);

  async function loadProduct(ex: Executor, where: SQL): Promise<Product | null> {
    const [row] = await ex
      .select({ product: products, category: categories })
      .from(products)
      .innerJoin(categories, eq(categories.id, products.categoryId))
      .where(where);
    if (!row) return null;
    const rows = await ex
      .select()
      .from(variants)
      .where(eq(variants.productId, row.product.id))
      .orderBy(asc(variants.position));
    const p = row.product;
    return {
      ...toSummary({ ...p, categorySlug: row.category.slug, categoryName: row.category.name }),
      description: p.description,
      options: p.options,
      variants: rows.map(toVariant),
      status: p.status,
      createdAt: p.createdAt,
    };
  }

  async function categoryId(ex: Executor, slug: string) {
    const [row] = await ex.select({ id: categories.id }).from(categories).where(eq(categories.slug, slug));
    if (!row)
      throw new DomainError("BAD_REQUEST", "PRODUCT.UNKNOWN_CATEGORY", `there is no category '${slug}'`);
    return row.id;
  }

  /** Re-derives the listing columns from the variants; call inside the writing transaction. */
  async function refreshListing(tx: Tx, productId: string) {
    const rows = await tx.select().from(variants).where(eq(variants.productId, productId));
    await tx
      .update(products)
      .set({ ...listingFacts(rows), updatedAt: clock.now() })
      .where(eq(products.id, productId));
  }

  /** Runs a catalog write: maps constraint violations to readable conflicts, then invalidates reads. */
  async function write<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    try {
      const result = await db.primary.transaction(work);
      await cache.invalidate();
      ports.eventsCommitted(outbox);
      return result;
    } catch (error) {
      const constraint = violatedConstraint(error);
      if (constraint === "products_slug")
        throw new DomainError("CONFLICT", "PRODUCT.SLUG_TAKEN", "another product already uses this slug");
      if (constraint === "variants_sku")
        throw new DomainError(
          "CONFLICT",
          "PRODUCT.SKU_TAKEN",
          "another variant already uses one of these SKUs",
        );
      if (constraint === "categories_slug")
        throw new DomainError(
          "CONFLICT",
          "PRODUCT.CATEGORY_TAKEN",
          "a category with this slug already exists",
        );
      throw error;
    }
  }

  const reload = async (tx: Tx, id: string) => (await loadProduct(tx, eq(products.id, id)))!;

  return {
    list: (input: ListProductsInput) =>
      cache.read(`list:${JSON.stringify(input)}`, async () => {
        const sort = effectiveSort(input.sort, input.q);
        const cursor = input.cursor ? decodeCursor(input.cursor, sort) : undefined;
        const query = input.q ? prefixQuery(input.q) : null;
        if (input.q && !query) return { items: [], nextCursor: null };
        const tsquery = sql`to_tsquery('english', ${query})`;

        const where: (SQL | undefined)[] = [eq(products.status, "active")];
        if (input.category) where.push(eq(categories.slug, input.category));
        if (input.minPrice !== undefined) where.push(gte(products.priceFrom, input.minPrice));
        if (input.maxPrice !== undefined) where.push(lte(products.priceFrom, input.maxPrice));
        if (query) where.push(sql`${products.search} @@ ${tsquery}`);
        if (cursor && cursor.sort !== "relevance") {
          const after = {
            newest: sql`(${products.createdAt}, ${products.id}) < (${cursor.key}::timestamptz, ${cursor.id}::uuid)`,
            price_asc: sql`(${products.priceFrom}, ${products.id}) > (${cursor.key}::int, ${cursor.id}::uuid)`,
            price_desc: sql`(${products.priceFrom}, ${products.id}) < (${cursor.key}::int, ${cursor.id}::uuid)`,
          }[cursor.sort];
          where.push(after);
        }
        const order = {
          newest: [desc(products.createdAt), desc(products.id)],
          price_asc: [asc(products.priceFrom), asc(products.id)],
          price_desc: [desc(products.priceFrom), desc(products.id)],
          relevance: [desc(sql`ts_rank(${products.search}, ${tsquery})`), desc(products.id)],
        }[sort];
        const offset = cursor?.sort === "relevance" ? cursor.offset : 0;

        const rows = await db.primary
          .select(summaryColumns)
          .from(products)
          .innerJoin(categories, eq(categories.id, products.categoryId))
          .where(and(...where))
          .orderBy(...order)
          .limit(input.limit + 1)
          .offset(offset);
        const page = rows.slice(0, input.limit);
        const last = page.at(-1);
        const nextCursor =
          rows.length > input.limit && last
            ? encodeCursor(
                sort === "relevance"
                  ? { sort, offset: offset + input.limit }
                  : sort === "newest"
                    ? { sort, id: last.id, key: last.createdAt.toISOString() }
                    : { sort, id: last.id, key: last.priceFrom },
              )
            : null;
        return { items: page.map(toSummary), nextCursor };
      }),

    get: (input: GetProductInput) =>
      cache.read(`get:${JSON.stringify(input)}`, async () => {
        const by = "id" in input ? eq(products.id, input.id) : eq(products.slug, input.slug);
        const product = await loadProduct(db.primary, and(by, eq(products.status, "active"))!);
        if (!product) throw productNotFound();
        return product;
      }),

    categories: () =>
      cache.read("categories", async () => {
        const rows = await db.primary
          .select({
            id: categories.id,
            slug: categories.slug,
            name: categories.name,
            productCount:
              sql<number>`count(${products.id}) filter (where ${products.status} = 'active')`.mapWith(Number),
          })
          .from(categories)
          .leftJoin(products, eq(products.categoryId, categories.id))
          .groupBy(categories.id)
          .orderBy(asc(categories.position), asc(categories.name));
        return rows;
      }),

    createCategory: (input) =>
      write(async (tx) => {
        const id = newId();
        const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(categories);
        await tx
          .insert(categories)
          .values({ id, slug: input.slug, name: input.name, position: input.position ?? n });
        return { id, slug: input.slug, name: input.name, productCount: 0 };
      }),

    create: (input: CreateProduct) =>
      write(async (tx) => {
        const id = newId();
        const now = clock.now();
        const slug = input.slug ?? (await freeSlug(tx, slugify(input.title)));
        const rows = input.variants.map((v, position) => ({
          id: newId(),
          productId: id,
          sku: v.sku,
          title: v.title ?? variantTitle(input.options, v.options),
          options: v.options,
          price: v.price.amount,
          currency: v.price.currency,
          stock: v.stock,
          position,
        }));
        await tx.insert(products).values({
          id,
          slug,
          title: input.title,
          description: input.description,
          categoryId: await categoryId(tx, input.category),
          image: input.image ?? "/media/placeholder.svg",
          options: input.options,
          ...listingFacts(rows),
          createdAt: now,
          updatedAt: now,
        });
        await tx.insert(variants).values(rows);
        await appendToOutbox(tx, outbox, [event("product.created@1", id, { productId: id }, clock)]);
        return reload(tx, id);
      }),

    update: ({ id, variants: changes, category, ...fields }) =>
      write(async (tx) => {
        const [current] = await tx.select().from(products).where(eq(products.id, id)).for("update");
        if (!current) throw productNotFound();
        await tx
          .update(products)
          .set({
            ...fields,
            ...(category && { categoryId: await categoryId(tx, category) }),
            updatedAt: clock.now(),
          })
          .where(eq(products.id, id));
        for (const { id: variantId, price, ...rest } of changes ?? []) {
          if (price && price.currency !== current.currency) {
            throw new DomainError(
              "BAD_REQUEST",
              "PRODUCT.CURRENCY_MISMATCH",
              `prices of this product are in ${current.currency}`,
            );
          }
          const updated = await tx
            .update(variants)
            .set({ ...rest, ...(price && { price: price.amount }) })
            .where(and(eq(variants.id, variantId), eq(variants.productId, id)))
            .returning({ id: variants.id });
          if (updated.length === 0) throw variantNotFound();
        }
        await refreshListing(tx, id);
        await appendToOutbox(tx, outbox, [event("product.updated@1", id, { productId: id }, clock)]);
        return reload(tx, id);
      }),

    archive: (id) =>
      write(async (tx) => {
        const updated = await tx
          .update(products)
          .set({ status: "archived", updatedAt: clock.now() })
          .where(eq(products.id, id))
          .returning({ id: products.id });
        if (updated.length === 0) throw productNotFound();
        await appendToOutbox(tx, outbox, [event("product.archived@1", id, { productId: id }, clock)]);
        return reload(tx, id);
      }),

    async variants(ids) {
      if (ids.length === 0) return [];
      const rows = await db.primary
        .select({
          variant: variants,
          product: { title: products.title, image: products.image, status: products.status },
        })
        .from(variants)
        .innerJoin(products, eq(products.id, variants.productId))
        .where(inArray(variants.id, [...ids]));
      return rows.map(({ variant, product }) => ({
        id: variant.id,
        productId: variant.productId,
        sku: variant.sku,
        title: product.title,
        variantTitle: variant.title,
        image: product.image,
        price: { amount: variant.price, currency: variant.currency as "EUR" },
        stock: variant.stock,
        purchasable: product.status === "active",
      }));
    },

    reserve: (orderId, lines, ttlMs) =>
      stockWrite(async (tx) => {
        const claimed = await tx
          .insert(reservations)
          .values(
            lines.map((l) => ({
              orderId,
              variantId: l.variantId,
              quantity: l.quantity,
              status: "held" as const,
              expiresAt: sql`now() + make_interval(secs => ${ttlMs / 1000})`,
            })),
          )
          .onConflictDoNothing()
          .returning({ variantId: reservations.variantId });
        if (claimed.length === 0) return; // this order already holds its stock
        await takeStock(tx, lines);
      }),

    commitReservation: (orderId) =>
      stockWrite(async (tx) => {
        const rows = await tx
          .select()
          .from(reservations)
          .where(eq(reservations.orderId, orderId))
          .for("update");
        if (rows.length === 0)
          throw new DomainError(
            "CONFLICT",
            "PRODUCT.NO_RESERVATION",
            "this order holds no stock reservation",
          );
        const lapsed = rows.filter((r) => r.status === "released");
        // A reservation that expired gave its units back; sell them only if they are still there.
        if (lapsed.length) await takeStock(tx, lapsed);
        await tx
          .update(reservations)
          .set({ status: "committed" })
          .where(and(eq(reservations.orderId, orderId), ne(reservations.status, "committed")));
      }),

    releaseReservation: (orderId) =>
      stockWrite(async (tx) => {
        const released = await tx
          .update(reservations)
          .set({ status: "released" })
          .where(and(eq(reservations.orderId, orderId), ne(reservations.status, "released")))
          .returning({ variantId: reservations.variantId, quantity: reservations.quantity });
        await giveBackStock(tx, released);
      }),

    async reservationState(orderId) {
      const rows = await db.primary
        .select({ status: reservations.status })
        .from(reservations)
        .where(eq(reservations.orderId, orderId));
      return rows[0]?.status ?? "none";
    },

    releaseExpiredReservations: () =>
      stockWrite(async (tx) => {
        const released = await tx
          .update(reservations)
          .set({ status: "released" })
          .where(and(eq(reservations.status, "held"), lt(reservations.expiresAt, sql`now()`)))
          .returning({
            orderId: reservations.orderId,
            variantId: reservations.variantId,
            quantity: reservations.quantity,
          });
        await giveBackStock(tx, released);
        return new Set(released.map((r) => r.orderId)).size;
      }),

    setStock: ({ variantId, stock }) =>
      write(async (tx) => {
        const [row] = await tx.update(variants).set({ stock }).where(eq(variants.id, variantId)).returning();
        if (!row) throw variantNotFound();
        await refreshListing(tx, row.productId);
        await appendToOutbox(tx, outbox, [
          event(
            "product.stock_changed@1",
            row.productId,
            { productId: row.productId, variantId, stock },
            clock,
          ),
        ]);
        return toVariant(row);
      }),
  };

  /**
   * Takes units out of stock, all lines in one statement: each row only if enough is left. A line that
   * is short (or whose product was archived) fails the whole transaction with a readable CONFLICT.
   */
  async function takeStock(tx: Tx, lines: readonly { variantId: string; quantity: number }[]) {
    const taken = rowsOf<{ id: string; product_id: string; stock: number }>(
      await tx.execute(sql`
        update ${variants} v set stock = v.stock - d.q
        from unnest(${sql.param(lines.map((l) => l.variantId))}::uuid[], ${sql.param(lines.map((l) => l.quantity))}::int[]) as d(id, q)
        where v.id = d.id and v.stock >= d.q
          and exists (select 1 from ${products} p where p.id = v.product_id and p.status = 'active')
        returning v.id, v.product_id, v.stock`),
    );
    if (taken.length < lines.length) {
      stockConflicts.inc({});
      const short = lines.find((l) => !taken.some((t) => t.id === l.variantId))!;
      const [info] = await tx
        .select({
          title: products.title,
          variantTitle: variants.title,
          stock: variants.stock,
          status: products.status,
        })
        .from(variants)
        .innerJoin(products, eq(products.id, variants.productId))
        .where(eq(variants.id, short.variantId));
      const name = info
        ? info.variantTitle === "Default"
          ? info.title
          : `${info.title} (${info.variantTitle})`
        : "an item";
      const why =
        info?.status !== "active"
          ? "is no longer sold"
          : info.stock === 0
            ? "is sold out"
            : `has only ${info.stock} left`;
      throw new DomainError("CONFLICT", "PRODUCT.OUT_OF_STOCK", `${name} ${why}`, {
        variantId: short.variantId,
      });
    }
    // Only a variant that just ran out can change its product's listing.
    await refreshInStock(
      tx,
      taken.filter((t) => t.stock === 0).map((t) => t.product_id),
    );
  }

  async function giveBackStock(tx: Tx, lines: readonly { variantId: string; quantity: number }[]) {
    if (lines.length === 0) return;
    const restocked = rowsOf<{ product_id: string; stock: number; q: number }>(
      await tx.execute(sql`
        update ${variants} v set stock = v.stock + d.q
        from (select id, sum(q)::int as q from unnest(${sql.param(lines.map((l) => l.variantId))}::uuid[], ${sql.param(lines.map((l) => l.quantity))}::int[]) as u(id, q) group by id) d
        where v.id = d.id
        returning v.product_id, v.stock, d.q`),
    );
    // Only a variant that was sold out can change its product's listing.
    await refreshInStock(
      tx,
      restocked.filter((r) => r.stock === r.q).map((r) => r.product_id),
    );
  }

  async function refreshInStock(tx: Tx, productIds: readonly string[]) {
    if (productIds.length === 0) return;
    await tx.execute(sql`
      update ${products} p set in_stock = exists (select 1 from ${variants} v where v.product_id = p.id and v.stock > 0)
      where p.id = any(${sql.param([...new Set(productIds)])}::uuid[])`);
  }

  /** A stock movement: no domain event, but listings and product pages must show it at once. */
  async function stockWrite<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
    const result = await db.primary.transaction(work);
    await cache.invalidate();
    return result;
  }

  /** The slug itself if free, else the slug with the first free numeric suffix. */
  async function freeSlug(ex: Executor, base: string) {
    const taken = await ex
      .select({ slug: products.slug })
      .from(products)
      .where(sql`${products.slug} = ${base} or ${products.slug} like ${`${base}-%`}`);
    const used = new Set(taken.map((r) => r.slug));
    if (!used.has(base)) return base;
    for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
  }
}
