/**
 * The embedded shop for the bench, in its own process: in-memory PGlite, the seeded demo catalog, and
 * the request log on at `BENCH_LOG_LEVEL` (default `info`, as `bun start` runs) on stdout.
 * `bun bench/serve-shop.ts <port>` prints `ready <port> <controlPort>` once it serves; SIGTERM shuts
 * it down gracefully. The control port (never measured) answers the bench's own questions:
 *   GET  /stock     every variant's stock, held, sold and stocked (the stock invariant)
 *   POST /capture   from now on, record every SQL statement with its values and transaction bounds
 *   GET  /captured  what was recorded since, and stop recording
 */
import { sql } from "drizzle-orm";
import { rowsOf } from "../platform/db/port.ts";
import { serve } from "../platform/http/serve.ts";
import { createLogger } from "../platform/log.ts";
import { seedCatalog } from "../services/product/seed/index.ts";
import { embeddedPorts } from "../shapes/embedded/ports.ts";
import { createShop, readShopConfig } from "../shapes/embedded/shop.ts";
import { type CheckoutScript, instantiate } from "./checkout-sql.ts";
import { STOCKED_SQL } from "./stock-invariant.ts";

export type CapturedStatement = { sql: string; params: unknown[] } | { tx: "begin" | "commit" | "rollback" };

const port = Number(process.argv[2] ?? 0);
const config = readShopConfig({ ...process.env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "info" });
const log = createLogger(config.LOG_LEVEL);

let captured: CapturedStatement[] | null = null;
const embedded = await embeddedPorts({
  log,
  worker: config.PGLITE_WORKER,
  cache: { maxEntries: 20_000 },
  onQuery: (text, params) => captured?.push({ sql: text, params: [...params] }),
  onTransaction: (tx) => captured?.push({ tx }),
  bus: {
    onPoison: (consumer, event, error) =>
      log.error("event gave up", { consumer, eventId: event.id, type: event.type, error }),
  },
});
const { db } = embedded.ports;
// Every bench shopper signs up from 127.0.0.1: a load test is one address by design.
const shop = await createShop(config, embedded.ports, {
  signupLimits: { attempts: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
});
await seedCatalog(shop.services.product);
// The cart and checkout scenarios sign in as this staff account to stock their products.
if (process.env.BENCH_STAFF_EMAIL && process.env.BENCH_STAFF_PASSWORD) {
  await shop.services.auth.upsertStaff({
    email: process.env.BENCH_STAFF_EMAIL,
    password: process.env.BENCH_STAFF_PASSWORD,
  });
}
Bun.gc(true); // as `bun start` does after seeding

const control = Bun.serve({
  hostname: "127.0.0.1",
  port: 0,
  routes: {
    "/stock": async () => Response.json(rowsOf(await db.primary.execute(sql.raw(STOCKED_SQL)))),
    "/capture": {
      POST: () => {
        captured = [];
        return new Response(null, { status: 204 });
      },
    },
    "/captured": () => {
      const statements = captured ?? [];
      captured = null;
      return Response.json(statements);
    },
    // PGlite running a checkout's own SQL, without the shop: `concurrency` loops for `seconds`.
    "/replay": {
      POST: async (req) => {
        const { script, seconds, concurrency } = (await req.json()) as {
          script: CheckoutScript;
          seconds: number;
          concurrency: number;
        };
        return Response.json(await replay(script, seconds, concurrency));
      },
    },
  },
});

/** Runs the script's statements, each transaction in one `transaction`, as fast as PGlite takes them. */
async function replay(script: CheckoutScript, seconds: number, concurrency: number) {
  const once = async () => {
    let open: string[] | null = null;
    for (const step of instantiate(script)) {
      if (!("tx" in step)) {
        if (open) open.push(step.sql);
        else await db.primary.execute(sql.raw(step.sql));
      } else if (step.tx === "begin") open = [];
      else {
        const statements = open ?? [];
        open = null;
        if (step.tx === "commit")
          await db.primary.transaction(async (t) => {
            for (const statement of statements) await t.execute(sql.raw(statement));
          });
      }
    }
  };
  let done = 0;
  let errors = 0;
  let firstError: string | undefined;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (performance.now() < deadline) {
        try {
          await once();
          done++;
        } catch (error) {
          errors++;
          firstError ??= String((error as Error).message);
        }
      }
    }),
  );
  return { perSecond: done / ((performance.now() - started) / 1000), done, errors, firstError };
}

const { server } = serve(shop.host, {
  hostname: "127.0.0.1",
  port,
  graceMs: 2_000,
  log,
  close: async () => {
    await control.stop(true);
    await shop.close();
    await embedded.close();
  },
});
console.log(`ready ${server.port} ${control.port}`);
