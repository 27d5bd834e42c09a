import { and, count, eq } from "drizzle-orm";
import type { ProductApi } from "../../../contracts/product.ts";
import { appendToOutbox, event } from "../../../platform/bus/outbox.ts";
import type { Clock } from "../../../platform/clock.ts";
import type { Executor, Tx } from "../../../platform/db/port.ts";
import { newId } from "../../../platform/ids.ts";
import type { WritePolicy } from "../cache/policy.ts";
import { categories, outbox, products, variants } from "../db/schema.ts";
import { listingFacts, slugify, variantTitle } from "../domain/catalog.ts";
import { productErrors } from "../domain/product.errors.ts";
import { asConflict } from "./conflicts.ts";
import { refreshListing } from "./refresh-listing.ts";
import { loadProduct } from "./rows.ts";
import { freeSlug } from "./slugs.ts";

async function categoryId(ex: Executor, slug: string) {
  const [row] = await ex.select({ id: categories.id }).from(categories).where(eq(categories.slug, slug));
  if (!row) throw productErrors.unknownCategory(slug);
  return row.id;
}

const reload = async (tx: Tx, id: string) => (await loadProduct(tx, eq(products.id, id)))!;

/** What staff change in the catalog: categories, products and their variants, archiving. */
export function catalogWrites(clock: Clock, policy: WritePolicy) {
  /** A catalog write whose unique violations come back as readable conflicts. */
  const write = <T>(work: (tx: Tx) => Promise<T>) =>
    policy.catalogWrite(work).catch((error: unknown) => {
      throw asConflict(error);
    });

  return {
    createCategory: (input) =>
      write(async (tx) => {
        const id = newId();
        const [{ n } = { n: 0 }] = await tx.select({ n: count() }).from(categories);
        await tx
          .insert(categories)
          .values({ id, slug: input.slug, name: input.name, position: input.position ?? n });
        return { id, slug: input.slug, name: input.name, productCount: 0 };
      }),

    create: (input) =>
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
        // Variants before their product, in id order, as a sale locks them: the two never deadlock.
        await tx
          .select({ id: variants.id })
          .from(variants)
          .where(eq(variants.productId, id))
          .orderBy(variants.id)
          .for("no key update");
        const [current] = await tx.select().from(products).where(eq(products.id, id)).for("update");
        if (!current) throw productErrors.notFound();
        await tx
          .update(products)
          .set({
            ...fields,
            ...(category && { categoryId: await categoryId(tx, category) }),
            updatedAt: clock.now(),
          })
          .where(eq(products.id, id));
        for (const { id: variantId, price, ...rest } of changes ?? []) {
          if (price && price.currency !== current.currency)
            throw productErrors.currencyMismatch(current.currency);
          const updated = await tx
            .update(variants)
            .set({ ...rest, ...(price && { price: price.amount }) })
            .where(and(eq(variants.id, variantId), eq(variants.productId, id)))
            .returning({ id: variants.id });
          if (updated.length === 0) throw productErrors.variantNotFound();
        }
        await refreshListing(tx, clock, id);
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
        if (updated.length === 0) throw productErrors.notFound();
        await appendToOutbox(tx, outbox, [event("product.archived@1", id, { productId: id }, clock)]);
        return reload(tx, id);
      }),
  } satisfies Pick<ProductApi, "createCategory" | "create" | "update" | "archive">;
}
