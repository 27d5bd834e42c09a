/**
 * The ceilings the shop is measured against, each run in its own process:
 * `bun bench/baselines.ts bun|hono <port>` serves `GET /` with a small JSON body and prints `ready <port>`.
 */
import { Hono } from "hono";

export const baselineBody = { ok: true, service: "bench", items: [1, 2, 3] };

function fetchHandler(kind: string): (request: Request) => Response | Promise<Response> {
  if (kind === "bun") return () => Response.json(baselineBody);
  if (kind === "hono") return new Hono().get("/", (c) => c.json(baselineBody)).fetch;
  throw new Error(`unknown baseline "${kind}" (expected bun or hono)`);
}

if (import.meta.main) {
  const [kind = "", port = "0"] = process.argv.slice(2);
  const server = Bun.serve({ hostname: "127.0.0.1", port: Number(port), fetch: fetchHandler(kind) });
  console.log(`ready ${server.port}`);
}
