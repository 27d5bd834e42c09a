/**
 * The bench's scenarios and the targets of issue 11, each a ratio to a baseline measured in the same
 * run (or a bound on memory), checked per connection count where both sides were measured.
 */

import type { Memory } from "./processes.ts";
import type { KindStats } from "./shoppers.ts";

export type Row = {
  /**
   * "embedded traced": a fresh embedded shop, every request traced (100% sampling, spans exported);
   * "embedded paired": its untraced pair, the same scenarios in the same order just before it.
   */
  shape: "embedded" | "embedded paired" | "embedded traced" | "cluster" | "baseline";
  scenario: string;
  connections: number;
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  bodyBytes?: number;
  /** Stateful scenarios: every kind of call on its own. */
  kinds?: Record<string, KindStats>;
  /** mixed: catalog reads answered from the response cache. */
  hitRatio?: number;
};

/** `shop`: measured on the shop itself (the others are baselines or start-up). */
export const SCENARIOS: Record<string, { what: string; shop?: true }> = {
  healthz: { what: "GET /healthz (the host's own cost)", shop: true },
  list: { what: "cached product.list, first page", shop: true },
  "list-category": { what: "cached product.list of a category, by price", shop: true },
  get: { what: "cached product.get by slug", shop: true },
  categories: { what: "cached product.categories", shop: true },
  search: { what: "product.list with q: a new cache key per request (uncached)", shop: true },
  "cart-add": { what: "cart.addItem on the signed-in shopper's cart", shop: true },
  "cart-add-guest": { what: "cart.addItem without a session (a new guest cart each time)", shop: true },
  "cart-read": { what: "cart.get of a two-line cart", shop: true },
  checkout: { what: "add to cart + order.checkout per buyer (checkouts/s)", shop: true },
  mixed: { what: "shoppers browsing 10 : cart 3 : checkout 1, own session and cart each", shop: true },
  "list-while-buying": { what: "cached product.list while 4 buyers check out", shop: true },
  start: { what: "bun start fresh and warm: ms to the first 200, RSS" },
  "bare-bun": { what: "baseline: Bun.serve answering JSON" },
  "bare-hono": { what: "baseline: Hono answering JSON (run first and last: the spread is the noise)" },
  "nginx-static": { what: "baseline: NGINX serving a file of a product.list answer's bytes" },
  "nginx-hono": {
    what: "baseline (--cluster): NGINX proxying to Hono answering those bytes (the proxy hop's cost)",
  },
  "nginx-hono-headers": {
    what: "baseline (--cluster): the same, answered with the headers the shop's host sends (security headers, x-cache, vary, request id)",
  },
  "db-pglite": {
    what: "baseline: one-row read through PGlite (a kept statement, in its worker thread unless PGLITE_WORKER=false, as the shop reads) behind Hono",
  },
  "db-pg": {
    what: "baseline: one-row read through pg behind Hono (Postgres direct, the statement kept prepared)",
  },
  "db-bunsql": { what: "baseline: one-row read through Bun.SQL behind Hono (Postgres direct)" },
  "db-pg-pgbouncer": { what: "baseline: the pg read, unnamed, through PgBouncer (transaction mode)" },
  "db-bunsql-pgbouncer": { what: "baseline: the Bun.SQL read through PgBouncer (prepare: false)" },
  "db-pg-nginx": {
    what: "baseline: the pg read behind NGINX (a cluster request's path to its database)",
  },
  "pglite-checkout-sql": {
    what: "baseline: PGlite running the checkout's recorded SQL in-process",
    shop: true,
  },
  "pgbench-checkout": {
    what: "baseline (--cluster): pgbench -M prepared of the checkout's SQL on the cluster's primary",
  },
  "pgbench-checkout-simple": { what: "baseline (--cluster): the same script under pgbench -M simple" },
};

/** What `--tracing` measures a second time with every request traced. */
export const TRACED_SCENARIOS = ["list", "get", "checkout"] as const;

export type Target = {
  name: string;
  connections?: number;
  value: number;
  baseline?: number;
  ratio: number;
  min?: number;
  max?: number;
  ok: boolean;
};

export function evaluate(
  rows: Row[],
  memory: Record<string, Memory>,
  _results: Record<string, unknown>,
): Target[] {
  const targets: Target[] = [];
  const find = (shape: Row["shape"], scenario: string, c: number) =>
    rows.find((r) => r.shape === shape && r.scenario === scenario && r.connections === c);
  const honoMean = (c: number) => {
    const runs = rows.filter((r) => r.scenario.startsWith("bare-hono") && r.connections === c);
    return runs.length ? runs.reduce((s, r) => s + r.rps, 0) / runs.length : undefined;
  };
  const ratio = (name: string, row: Row | undefined, baseline: number | undefined, min: number) => {
    if (!row || baseline === undefined || !(baseline > 0)) return;
    const r = row.rps / baseline;
    targets.push({
      name,
      connections: row.connections,
      value: row.rps,
      baseline,
      ratio: r,
      min,
      ok: r >= min,
    });
  };
  const counts = [...new Set(rows.map((r) => r.connections))];

  for (const c of counts) {
    // §2: the host's cost, at 64 connections
    if (c === 64) {
      ratio("embedded /healthz ≥ 0.8× bare Hono", find("embedded", "healthz", c), honoMean(c), 0.8);
      for (const s of ["list", "get", "categories"])
        ratio(`embedded cached ${s} ≥ 0.6× bare Hono`, find("embedded", s, c), honoMean(c), 0.6);
    }
    // §1: the catalog cache survives buying
    ratio(
      "embedded list while buying ≥ 0.5× list alone",
      find("embedded", "list-while-buying", c),
      find("embedded", "list", c)?.rps,
      0.5,
    );
    for (const shape of ["embedded", "cluster"] as const) {
      const mixed = find(shape, "mixed", c);
      if (mixed?.hitRatio !== undefined)
        targets.push({
          name: `${shape} mixed: catalog reads from the cache ≥ 99%`,
          connections: c,
          value: mixed.hitRatio,
          ratio: mixed.hitRatio,
          min: 0.99,
          ok: mixed.hitRatio >= 0.99,
        });
    }
    // Issue 13: what tracing every request costs
    for (const s of TRACED_SCENARIOS)
      ratio(
        `tracing at 100% sampling costs ≤ 15%: embedded ${s}`,
        find("embedded traced", s, c),
        find("embedded paired", s, c)?.rps,
        0.85,
      );
    // §3: cart and checkout against what their driver can do
    const pglite = find("baseline", "db-pglite", c)?.rps;
    ratio("embedded cart.get ≥ 0.5× one-row PGlite read", find("embedded", "cart-read", c), pglite, 0.5);
    ratio("embedded cart.addItem ≥ 0.5× one-row PGlite read", find("embedded", "cart-add", c), pglite, 0.5);
    ratio(
      "embedded checkout ≥ 0.25× PGlite running its SQL",
      find("embedded", "checkout", c),
      find("baseline", "pglite-checkout-sql", c)?.rps,
      0.25,
    );
    // §4: the cluster, against pgbench under the faster protocol
    const pgbench = ["pgbench-checkout", "pgbench-checkout-simple"]
      .map((s) => find("baseline", s, c)?.rps)
      .filter((rps): rps is number => rps !== undefined && Number.isFinite(rps));
    ratio(
      "cluster checkout ≥ 0.5× pgbench of its SQL",
      find("cluster", "checkout", c),
      pgbench.length ? Math.max(...pgbench) : undefined,
      0.5,
    );
    ratio(
      "cluster cart.addItem ≥ 0.5× one-row read via NGINX and pg",
      find("cluster", "cart-add", c),
      find("baseline", "db-pg-nginx", c)?.rps,
      0.5,
    );
    for (const s of ["list", "get", "categories"])
      ratio(
        `cluster cached ${s} ≥ 0.6× NGINX static`,
        find("cluster", s, c),
        find("baseline", "nginx-static", c)?.rps,
        0.6,
      );
  }
  // §5: memory
  const shop = memory["embedded shop"];
  if (shop) {
    targets.push({
      name: "embedded peak RSS ≤ 1024 MiB (seeding included)",
      value: shop.peakMiB,
      ratio: shop.peakMiB / 1024,
      max: 1,
      ok: shop.peakMiB <= 1024,
    });
    const pglite = memory["db-pglite"];
    if (pglite)
      targets.push({
        name: "embedded idle RSS ≤ 1.3× PGlite's own",
        value: shop.idleMiB,
        baseline: pglite.idleMiB,
        ratio: shop.idleMiB / pglite.idleMiB,
        max: 1.3,
        ok: shop.idleMiB / pglite.idleMiB <= 1.3,
      });
  }
  return targets;
}
