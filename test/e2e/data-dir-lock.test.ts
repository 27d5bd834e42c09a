/**
 * One process per embedded data directory: `bun start`, `bun run staff:create` and `bun run reset` as
 * real processes on one directory. PGlite has no lock of its own; before this, staff:create next to a
 * running shop printed success and the account was gone after a restart.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync, statSync } from "node:fs";
import { join } from "node:path";
import { freePort } from "../support/binaries.ts";
import { cleanup, runBun, type ShopProcess, startedDataDir, startShop, stopAll } from "./support.ts";

const env = { SEED_CATALOG: "false" };
const staffCreate = (dataDir: string, email: string, password: string) =>
  runBun(["run", "staff:create", "--", "--email", email, "--password", password], {
    ...env,
    FASTR_DATA_DIR: dataDir,
  });

describe("one process per data directory", () => {
  let dataDir: string;
  let shop: ShopProcess;
  beforeAll(async () => {
    dataDir = await startedDataDir("lock", { seed: false });
    shop = await startShop({ dataDir, env, timeoutMs: 60_000 });
  }, 90_000);
  afterAll(async () => {
    await stopAll();
    cleanup();
  });

  it("a second bun start on the same directory is refused at once, naming the shop that holds it", async () => {
    const started = performance.now();
    const second = await runBun(["shapes/embedded/main.ts"], {
      ...env,
      FASTR_DATA_DIR: dataDir,
      PORT: String(freePort()),
    });
    const ms = performance.now() - started;

    expect(second).toMatchObject({ exitCode: 1, signalCode: null });
    expect(second.stderr).toContain(
      `fastr cannot start: the data directory ${dataDir} is in use by \`bun start\``,
    );
    expect(second.stderr).toMatch(
      new RegExp(`\\(pid ${shop.pid}, since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC, `),
    );
    expect(second.stderr).toContain(`kill ${shop.pid}`);
    expect(second.stderr).toContain("FASTR_DATA_DIR=<dir> bun start");
    expect(second.stderr).not.toMatch(/at .+\.ts:\d+/);
    // Refused before opening the database, which alone takes seconds.
    expect(second.stdout).not.toContain("opening the embedded database");
    console.info(`second bun start refused in ${Math.round(ms)} ms`);

    expect((await shop.fetch("/readyz")).status).toBe(200);
  }, 30_000);

  it("staff:create while the shop runs is done by the running shop: the new account signs in at once", async () => {
    const run = await staffCreate(dataDir, "boss@example.test", "a long password");
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toContain(`boss@example.test is staff`);
    expect(run.stdout).toContain(`by the running shop, pid ${shop.pid}`);

    const { token, user } = await shop
      .client()
      .auth.login.mutate({ email: "boss@example.test", password: "a long password" });
    expect(user).toMatchObject({ email: "boss@example.test", role: "staff" });
    expect(
      await shop.client(token).product.createCategory.mutate({ slug: "e2e-locked", name: "Locked" }),
    ).toMatchObject({ slug: "e2e-locked" });
  }, 30_000);

  it("promoting a signed-in customer through the running shop ends their sessions at once", async () => {
    const customer = await shop
      .client()
      .auth.signup.mutate({ email: "cat@example.test", password: "customer password", name: "Cat" });
    expect(await shop.client(customer.token).auth.me.query()).toMatchObject({ role: "customer" });

    const run = await staffCreate(dataDir, "cat@example.test", "new staff password");
    expect(run).toMatchObject({ exitCode: 0 });

    expect(await shop.client(customer.token).auth.me.query()).toBeNull();
    const { user } = await shop
      .client()
      .auth.login.mutate({ email: "cat@example.test", password: "new staff password" });
    expect(user.role).toBe("staff");
  }, 30_000);

  it("the admin door's secret is readable by the owner only", () => {
    expect(statSync(join(dataDir, "admin.json")).mode & 0o777).toBe(0o600);
  });

  it("bun run reset refuses while the shop runs, and the shop's data stays", async () => {
    const run = await runBun(["run", "reset"], { FASTR_DATA_DIR: dataDir });
    expect(run).toMatchObject({ exitCode: 1, signalCode: null });
    expect(run.stderr).toContain(
      `refusing to wipe ${dataDir}: it is in use by \`bun start\` (pid ${shop.pid}`,
    );
    expect(run.stderr).toContain("then run bun run reset again");
    expect(existsSync(join(dataDir, "pgdata"))).toBe(true);
    const slugs = (await shop.client().product.categories.query()).map((c) => c.slug);
    expect(slugs).toContain("e2e-locked");
  }, 30_000);

  it("what staff:create did through the running shop is still there after a restart", async () => {
    expect(await shop.stop()).toMatchObject({ exitCode: 0, forced: false });
    // A clean stop leaves neither the lock nor the door behind.
    expect(existsSync(join(dataDir, "lock.json"))).toBe(false);
    expect(existsSync(join(dataDir, "admin.json"))).toBe(false);

    shop = await startShop({ dataDir, env, timeoutMs: 60_000 });
    for (const [email, password] of [
      ["boss@example.test", "a long password"],
      ["cat@example.test", "new staff password"],
    ] as const) {
      const { user } = await shop.client().auth.login.mutate({ email, password });
      expect(user).toMatchObject({ email, role: "staff" });
    }
  }, 90_000);

  it("a lock left by a killed shop is taken over, by staff:create and by the next start", async () => {
    const killShop = async () => {
      process.kill(shop.pid, "SIGKILL");
      await shop.proc.exited;
      expect(existsSync(join(dataDir, "lock.json"))).toBe(true); // nothing could clean up
      return shop.pid;
    };

    let killed = await killShop();
    const run = await staffCreate(dataDir, "dora@example.test", "dora's password");
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toContain(`took over the lock a stopped process left: \`bun start\` (pid ${killed},`);
    expect(run.stdout).toContain("dora@example.test is staff");
    expect(run.stdout).not.toContain("running shop");

    shop = await startShop({ dataDir, env, timeoutMs: 60_000 });
    expect(shop.stdout).not.toContain("took over"); // staff:create let go of it cleanly
    const { user } = await shop
      .client()
      .auth.login.mutate({ email: "dora@example.test", password: "dora's password" });
    expect(user.role).toBe("staff");

    killed = await killShop();
    shop = await startShop({ dataDir, env, timeoutMs: 60_000 });
    expect(shop.stdout).toContain(`took over the lock a stopped process left: \`bun start\` (pid ${killed},`);
    expect(
      (await shop.client().auth.login.mutate({ email: "dora@example.test", password: "dora's password" }))
        .user.role,
    ).toBe("staff");
  }, 180_000);
});
