import { and, asc, count, desc, eq, ne, sql } from "drizzle-orm";
import type { AuthApi } from "../../contracts/auth.ts";
import { DomainError } from "../../contracts/errors.ts";
import type { Address, UserApi } from "../../contracts/user.ts";
import { builtOnceFor, rowOf } from "../../platform/db/built-once.ts";
import type { Tx } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { addresses } from "./db/schema.ts";

export const MAX_ADDRESSES = 50;

const addressNotFound = () => new DomainError("NOT_FOUND", "USER.ADDRESS_NOT_FOUND", "address not found");

const toAddress = ({ userId: _, createdAt: __, ...row }: typeof addresses.$inferSelect): Address => row;
const toAddressRow = rowOf(addresses);

/** One of a user's addresses: every checkout reads its shipping address so, built once (ADR 178). */
const addressOf = builtOnceFor<Record<string, unknown>>(sql`
  select id, user_id, label, name, line1, line2, city, region, postal_code, country, phone, is_default, created_at
  from ${addresses} where user_id = ${sql.placeholder("userId")} and id = ${sql.placeholder("id")}`);

/** Profile calls go to the auth service (it owns the identity); addresses live here. */
export function createUserService(
  ports: ServicePorts,
  deps: { auth: Pick<AuthApi, "getUser" | "updateProfile" | "changePassword"> },
): { api: UserApi } {
  const { db, clock } = ports;
  const owned = (userId: string, id: string) => and(eq(addresses.userId, userId), eq(addresses.id, id));
  const clearDefault = (tx: Tx, userId: string, except: string) =>
    tx
      .update(addresses)
      .set({ isDefault: false })
      .where(and(eq(addresses.userId, userId), ne(addresses.id, except), eq(addresses.isDefault, true)));

  const api: UserApi = {
    me: (userId) => deps.auth.getUser(userId),
    updateProfile: (userId, input) => deps.auth.updateProfile(userId, input),
    changePassword: (userId, input, sessionId) => deps.auth.changePassword(userId, input, sessionId),

    // Reads use the replica; a customer's own changes are there already (read-your-writes by LSN).
    listAddresses: (userId) =>
      db.replica
        .select()
        .from(addresses)
        .where(eq(addresses.userId, userId))
        .orderBy(desc(addresses.isDefault), asc(addresses.createdAt))
        .then((rows) => rows.map(toAddress)),

    async getAddress(userId, id) {
      const [row] = await addressOf(db.replica, { userId, id });
      if (!row) throw addressNotFound();
      return toAddress(toAddressRow(row));
    },

    addAddress: (userId, { isDefault, ...fields }) =>
      db.primary.transaction(async (tx) => {
        // Serialises a user's concurrent adds so the count and the default stay right.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`user.addresses:${userId}`}))`);
        const [{ n } = { n: 0 }] = await tx
          .select({ n: count() })
          .from(addresses)
          .where(eq(addresses.userId, userId));
        if (n >= MAX_ADDRESSES) {
          throw new DomainError(
            "BAD_REQUEST",
            "USER.TOO_MANY_ADDRESSES",
            `an account keeps at most ${MAX_ADDRESSES} addresses`,
          );
        }
        const id = newId();
        const makeDefault = isDefault === true || n === 0;
        if (makeDefault) await clearDefault(tx, userId, id);
        const [row] = await tx
          .insert(addresses)
          .values({ ...fields, id, userId, isDefault: makeDefault, createdAt: clock.now() })
          .returning();
        return toAddress(row!);
      }),

    updateAddress: (userId, { id, isDefault, ...fields }) =>
      db.primary.transaction(async (tx) => {
        if (isDefault === true) await clearDefault(tx, userId, id);
        const [row] = await tx
          .update(addresses)
          .set({ ...fields, ...(isDefault !== undefined && { isDefault }) })
          .where(owned(userId, id))
          .returning();
        if (!row) throw addressNotFound();
        return toAddress(row);
      }),

    async removeAddress(userId, id) {
      const removed = await db.primary
        .delete(addresses)
        .where(owned(userId, id))
        .returning({ id: addresses.id });
      if (removed.length === 0) throw addressNotFound();
    },
  };
  return { api };
}
