/**
 * The running shop's door for the package scripts. While `bun start` holds the data directory, a second
 * process must not open PGlite there; `bun run staff:create` asks the shop to do the work instead.
 * The door is a listener on 127.0.0.1 (never the shop's public port) and a random secret, both written
 * to `admin.json` in the data directory with 0600 permissions: whoever can read that file could open the
 * database files anyway.
 */
import { randomBytes, timingSafeEqual } from "node:crypto";
import { readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { z } from "zod";
import type { User } from "../../contracts/auth.ts";
import { EmailAddress, Password, PersonName } from "../../contracts/common.ts";
import { isHolderAlive, type LockHolder } from "./data-dir-lock.ts";

export const ADMIN_FILE = "admin.json";

/** What `bun run staff:create` asks for: a new staff account, or an existing account promoted. */
export const StaffAccountInput = z.strictObject({
  email: EmailAddress,
  password: Password,
  name: PersonName.optional(),
});
export type StaffAccountInput = z.infer<typeof StaffAccountInput>;

const AdminFile = z.object({ pid: z.int(), url: z.url(), secret: z.string().min(32) });
type AdminFile = z.infer<typeof AdminFile>;

export type AdminHandlers = { staffCreate(input: StaffAccountInput): Promise<User> };

const json = (status: number, body: unknown) => Response.json(body, { status });

/**
 * Starts the loopback listener and publishes it in `<dataDir>/admin.json`; `stop()` removes both.
 * @example const admin = startAdminEndpoint(".fastr", { staffCreate: (i) => shop.services.auth.upsertStaff(i) });
 */
export function startAdminEndpoint(dataDir: string, handlers: AdminHandlers) {
  const secret = randomBytes(32).toString("base64url");
  const expected = Buffer.from(`Bearer ${secret}`);
  const authorized = (req: Request) => {
    const given = Buffer.from(req.headers.get("authorization") ?? "");
    return given.length === expected.length && timingSafeEqual(given, expected);
  };

  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (!authorized(req)) return json(401, { error: "not authorized" });
      const { pathname } = new URL(req.url);
      if (req.method !== "POST" || pathname !== "/staff") return json(404, { error: "no such command" });
      const input = StaffAccountInput.safeParse(await req.json().catch(() => null));
      if (!input.success) {
        return json(400, {
          error: input.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "),
        });
      }
      try {
        return json(200, { user: await handlers.staffCreate(input.data) });
      } catch (error) {
        return json(500, { error: (error as Error).message });
      }
    },
  });

  const file = join(resolve(dataDir), ADMIN_FILE);
  const published: AdminFile = { pid: process.pid, url: server.url.origin, secret };
  const partial = `${file}.${process.pid}.partial`;
  rmSync(partial, { force: true });
  writeFileSync(partial, JSON.stringify(published), { mode: 0o600, flag: "wx" });
  renameSync(partial, file);

  return {
    url: published.url,
    async stop() {
      if (readAdminFile(file)?.pid === process.pid) rmSync(file, { force: true });
      await server.stop(true);
    },
  };
}

function readAdminFile(file: string): AdminFile | null {
  try {
    const parsed = AdminFile.safeParse(JSON.parse(readFileSync(file, "utf8")));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/**
 * Finds the door of the shop that holds the lock, waiting while it is still starting (its first open
 * of PGlite and the catalog seeding take seconds). Null when that shop stopped or never opened one.
 */
export async function findRunningShop(
  dataDir: string,
  holder: LockHolder,
  { waitMs = 60_000, onWaiting = () => {} } = {},
) {
  const file = join(resolve(dataDir), ADMIN_FILE);
  const deadline = Date.now() + waitMs;
  for (let round = 0; isHolderAlive(holder); round++) {
    const found = readAdminFile(file);
    if (found?.pid === holder.pid) return found;
    if (Date.now() > deadline) return null;
    if (round === 0) onWaiting();
    await Bun.sleep(100);
  }
  return null;
}

/** Asks the running shop to create or promote a staff account. */
export async function staffCreateInRunningShop(shop: AdminFile, input: StaffAccountInput): Promise<User> {
  const response = await fetch(`${shop.url}/staff`, {
    method: "POST",
    headers: { authorization: `Bearer ${shop.secret}`, "content-type": "application/json" },
    body: JSON.stringify(input),
  });
  const body = (await response.json()) as { user?: User; error?: string };
  if (!response.ok || !body.user)
    throw new Error(`the running shop refused: ${body.error ?? `HTTP ${response.status}`}`);
  return body.user;
}
