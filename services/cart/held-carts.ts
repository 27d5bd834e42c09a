import type { CartOwner } from "../../contracts/cart.ts";
import { ownWritesCache } from "../../platform/cache/own-writes.ts";
import { sha256Hex } from "../../platform/sha256.ts";
import type { CartStore, CartTarget, StoredCart, StoredLine } from "./store.ts";

/**
 * The cart's statements as the service uses them: the store's own, plus a way to run the writes it
 * makes itself (a merge, a purchase's removal, the sweep) so that held carts stay true.
 */
export type Carts = CartStore & {
  /** Runs a write of these owners' carts made outside the store's methods. */
  changing<R>(owners: readonly CartOwner[], run: () => Promise<R>): Promise<R>;
  /** Runs a write that may change any cart. */
  changingAny<R>(run: () => Promise<R>): Promise<R>;
};

/** Every call goes to the database: several processes write carts (the cluster). */
export const unheldCarts = (store: CartStore): Carts => ({
  ...store,
  changing: (_owners, run) => run(),
  changingAny: (run) => run(),
});

/** How many carts a process holds; an evicted one is read again. */
const HELD_CARTS = 10_000;

/** A guest's cart is held under its token's hash, as the database keeps it: no token stays in memory. */
const guestKey = (token: string) => `guest:${sha256Hex(token)}`;

const keyOf = (owner: CartOwner) =>
  "userId" in owner ? `user:${owner.userId}` : owner.token ? guestKey(owner.token) : null;

const keyOfTarget = (target: CartTarget) =>
  "userId" in target
    ? `user:${target.userId}`
    : guestKey("token" in target ? target.token : target.newGuestToken);

/** A write's lines as the cart now holds them, when they say which cart (an emptied one does not). */
const heldAfter = (lines: StoredLine[] | null): StoredCart | undefined =>
  lines?.[0] ? { cartId: lines[0].cartId, lines } : undefined;

/**
 * The store with each owner's cart held in memory, for the one process that writes carts (the
 * embedded shape): a read of a held cart costs no statement, and a write holds the lines it returns
 * (ADR 187). Callers must not change what a read answers.
 */
export function heldCarts(store: CartStore, max = HELD_CARTS): Carts {
  const held = ownWritesCache<StoredCart>(max);
  /** A write of the owner's cart, holding what `keep` makes of its result; a guest without a token has none. */
  const writeOf = <R>(
    owner: CartOwner,
    run: () => Promise<R>,
    keep: (result: R) => StoredCart | undefined,
  ) => {
    const key = keyOf(owner);
    return key ? held.write(key, run, keep) : run();
  };
  return {
    read(owner) {
      const key = keyOf(owner);
      return key ? held.read(key, () => store.read(owner)) : store.read(owner);
    },
    addToLine: (target, line) =>
      held.write(keyOfTarget(target), () => store.addToLine(target, line), heldAfter),
    setQuantity: (owner, change) =>
      writeOf(
        owner,
        () => store.setQuantity(owner, change),
        (r) => heldAfter(r.lines),
      ),
    removeLine: (owner, variantId) =>
      writeOf(
        owner,
        () => store.removeLine(owner, variantId),
        (r) => heldAfter(r.lines),
      ),
    empty: (owner) =>
      writeOf(
        owner,
        () => store.empty(owner),
        () => undefined,
      ),
    changing: (owners, run) =>
      held.change(
        owners.flatMap((o) => keyOf(o) ?? []),
        run,
      ),
    changingAny: (run) => held.changeEverything(run),
  };
}
