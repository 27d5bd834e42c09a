import type { MiddlewareHandler } from "hono";
import type { Cache } from "../cache/port.ts";

export type ResponseCacheOptions = {
  cache: Cache;
  ttlMs: number;
  /** Query procedures whose answer depends only on the URL, e.g. `/api/product/trpc/list`. */
  paths: readonly string[];
  /** Part of every key: changing it (on any write) makes every stored response unreachable. */
  generation: () => Promise<string>;
};

/**
 * Answers repeat GETs of public queries with the bytes of an earlier 200 response, before tRPC
 * parses, validates, resolves or serializes anything. Batched URLs (`/list,categories`) qualify
 * when every procedure in them does. Errors are never stored.
 * @example app.use("/api/*", responseCache({ cache, ttlMs: 300_000, paths: ["/api/product/trpc/list"], generation }));
 */
export function responseCache(options: ResponseCacheOptions): MiddlewareHandler {
  const byBase = new Map<string, Set<string>>();
  for (const path of options.paths) {
    const slash = path.lastIndexOf("/");
    const base = path.slice(0, slash);
    byBase.set(base, (byBase.get(base) ?? new Set()).add(path.slice(slash + 1)));
  }
  const cacheable = (path: string) => {
    const slash = path.lastIndexOf("/");
    const procedures = byBase.get(path.slice(0, slash));
    return (
      procedures !== undefined &&
      path
        .slice(slash + 1)
        .split(",")
        .every((p) => procedures.has(p))
    );
  };

  return async (c, next) => {
    if (c.req.method !== "GET" || !cacheable(c.req.path)) return next();
    const url = c.req.url;
    const key = `http:${await options.generation()}:${url.slice(url.indexOf("/", 8))}`;
    const hit = await options.cache.get(key);
    if (hit !== null) return c.body(hit, 200, { "content-type": "application/json", "x-cache": "hit" });
    await next();
    if (c.res.status === 200) {
      await options.cache.set(key, await c.res.clone().text(), options.ttlMs);
      c.header("x-cache", "miss");
    }
  };
}
