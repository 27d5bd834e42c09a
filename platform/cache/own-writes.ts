import { LRUCache } from "lru-cache";

/** A load or write in flight for a key; a write that starts meanwhile spoils it, so it keeps nothing. */
type InFlight = { spoiled: boolean };

/**
 * Values held in memory by the one process that writes them (the embedded shape, `sole`): loaded
 * once, replaced by what each write returns, dropped by any other write (ADR 187).
 *
 * A load or write that overlaps a write of the same key keeps nothing: its answer may predate that
 * write (two statements through a Postgres pool commit in either order), so the next read loads.
 * @example const carts = ownWritesCache<Cart>(10_000); await carts.read(key, () => loadCart(key));
 */
export function ownWritesCache<V extends {}>(max: number) {
  const held = new LRUCache<string, V>({ max });
  const inFlight = new Map<string, Set<InFlight>>();
  const writes = new Map<string, number>();
  let writingEverything = 0;

  function begin(key: string, write: boolean): InFlight {
    const op = { spoiled: writingEverything > 0 || writes.has(key) };
    if (write) {
      for (const other of inFlight.get(key) ?? []) other.spoiled = true;
      writes.set(key, (writes.get(key) ?? 0) + 1);
      held.delete(key);
    }
    const ops = inFlight.get(key);
    if (ops) ops.add(op);
    else inFlight.set(key, new Set([op]));
    return op;
  }

  function end(key: string, op: InFlight, write: boolean) {
    const ops = inFlight.get(key)!;
    ops.delete(op);
    if (ops.size === 0) inFlight.delete(key);
    if (!write) return;
    const left = writes.get(key)! - 1;
    if (left === 0) writes.delete(key);
    else writes.set(key, left);
  }

  return {
    /** The held value, or what `load` answers (held unless a write of the key overlapped it). */
    async read(key: string, load: () => Promise<V>): Promise<V> {
      const hit = held.get(key);
      if (hit !== undefined) return hit;
      const op = begin(key, false);
      try {
        const value = await load();
        if (!op.spoiled) held.set(key, value);
        return value;
      } finally {
        end(key, op, false);
      }
    },

    /**
     * Runs a write of `key` and holds what `keep` makes of its result (nothing when it answers
     * undefined, or when another write of the key overlapped this one).
     */
    async write<R>(key: string, run: () => Promise<R>, keep: (result: R) => V | undefined): Promise<R> {
      const op = begin(key, true);
      try {
        const result = await run();
        const value = op.spoiled ? undefined : keep(result);
        if (value === undefined) held.delete(key);
        else held.set(key, value);
        return result;
      } catch (error) {
        held.delete(key);
        throw error;
      } finally {
        end(key, op, true);
      }
    },

    /** Runs a write of these keys whose result says nothing of their values: they are loaded again. */
    async change<R>(keys: readonly string[], run: () => Promise<R>): Promise<R> {
      const ops = keys.map((key) => [key, begin(key, true)] as const);
      try {
        return await run();
      } finally {
        for (const [key, op] of ops) {
          held.delete(key);
          end(key, op, true);
        }
      }
    },

    /** Runs a write that may touch any key (a sweep): everything is loaded again. */
    async changeEverything<R>(run: () => Promise<R>): Promise<R> {
      writingEverything++;
      for (const ops of inFlight.values()) for (const op of ops) op.spoiled = true;
      held.clear();
      try {
        return await run();
      } finally {
        writingEverything--;
        held.clear();
      }
    },
  };
}

export type OwnWritesCache<V extends {}> = ReturnType<typeof ownWritesCache<V>>;
