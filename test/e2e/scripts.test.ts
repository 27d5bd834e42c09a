/**
 * The package scripts a shop owner runs (`bun run staff:create`, `bun run reset`) against a real data
 * directory, checked through a real `bun start` and HTTP.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { cleanup, runBun, startShop, stopAll, tempDir } from "./support.ts";

const staffCreate = (dataDir: string, ...args: string[]) =>
  runBun(["run", "staff:create", "--", ...args], { FASTR_DATA_DIR: dataDir });

const stoppedCleanly = { exitCode: 0, signalCode: null, forced: false };

describe("bun run staff:create and bun run reset", () => {
  let dataDir: string;
  let customerToken = "";
  beforeAll(() => {
    dataDir = tempDir("staff");
  });
  afterAll(async () => {
    await stopAll();
    cleanup();
  });

  it("creates a staff account on a fresh data directory that can then sign in and do staff work", async () => {
    const run = await staffCreate(
      dataDir,
      "--email",
      "boss@example.test",
      "--password",
      "a long password",
      "--name",
      "Boss",
    );
    expect(run.stderr).not.toMatch(/error/i);
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toMatch(/boss@example\.test is staff/);

    const shop = await startShop({ dataDir });
    try {
      expect(shop.stdout).toMatch(/seeded the demo catalog with \d+ products/);
      const { token, user } = await shop
        .client()
        .auth.login.mutate({ email: "boss@example.test", password: "a long password" });
      expect(user).toMatchObject({ email: "boss@example.test", name: "Boss", role: "staff" });
      const boss = shop.client(token);
      expect(await boss.auth.me.query()).toMatchObject({ email: "boss@example.test", role: "staff" });

      const category = await boss.product.createCategory.mutate({
        slug: "e2e-staff-tools",
        name: "Staff Tools",
      });
      expect(category).toMatchObject({ slug: "e2e-staff-tools", name: "Staff Tools" });

      // A customer signed up over HTTP is not staff (yet): the next test promotes them.
      const customer = await shop
        .client()
        .auth.signup.mutate({ email: "ann@example.test", password: "old customer password", name: "Ann" });
      expect(customer.user.role).toBe("customer");
      customerToken = customer.token;
      await expect(
        shop.client(customer.token).product.createCategory.mutate({ slug: "e2e-nope", name: "Nope" }),
      ).rejects.toMatchObject({ data: { code: "FORBIDDEN" } });
    } finally {
      expect(await shop.stop()).toEqual(stoppedCleanly);
    }
  }, 60_000);

  it("promotes an existing customer: staff after signing in with the new password, the old one refused", async () => {
    const run = await staffCreate(dataDir, "--email", "ann@example.test", "--password", "new staff password");
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toMatch(/ann@example\.test is staff/);

    const shop = await startShop({ dataDir });
    try {
      await expect(
        shop.client().auth.login.mutate({ email: "ann@example.test", password: "old customer password" }),
      ).rejects.toMatchObject({ data: { code: "UNAUTHORIZED" } });

      const { token, user } = await shop
        .client()
        .auth.login.mutate({ email: "ann@example.test", password: "new staff password" });
      expect(user).toMatchObject({ email: "ann@example.test", name: "Ann", role: "staff" });
      const ann = shop.client(token);
      // Promotion ends the sessions the account had.
      expect(await shop.client(customerToken).auth.me.query()).toBeNull();
      expect(await ann.auth.me.query()).toMatchObject({ email: "ann@example.test", role: "staff" });
      expect(await ann.product.createCategory.mutate({ slug: "e2e-ann", name: "Ann's" })).toMatchObject({
        slug: "e2e-ann",
      });
      // The boss is still staff, and the data from before the restart is still there.
      const slugs = (await ann.product.categories.query()).map((c) => c.slug);
      expect(slugs).toEqual(expect.arrayContaining(["e2e-staff-tools", "e2e-ann"]));
      const boss = await shop
        .client()
        .auth.login.mutate({ email: "boss@example.test", password: "a long password" });
      expect(boss.user.role).toBe("staff");
    } finally {
      expect(await shop.stop()).toEqual(stoppedCleanly);
    }
  }, 60_000);

  for (const [what, args, flag] of [
    ["a bad email", ["--email", "not-an-email", "--password", "a long password"], "--email"],
    ["a short password", ["--email", "short@example.test", "--password", "short"], "--password"],
    ["no arguments", [], "--email"],
  ] as const) {
    it(`refuses ${what} with a usage message, without touching the data directory`, async () => {
      const untouched = join(tempDir("usage"), "never-created");
      const run = await staffCreate(untouched, ...args);
      expect(run.exitCode).not.toBe(0);
      expect(run.signalCode).toBeNull();
      expect(run.stderr).toMatch(/usage: bun run staff:create -- --email <email> --password <password>/);
      expect(run.stderr).toContain(`${flag}:`);
      expect(run.stdout).not.toMatch(/is staff/);
      expect(existsSync(untouched)).toBe(false);
    }, 20_000);
  }

  it("bun run reset refuses to wipe the project, a folder above it, or a folder that is not a data directory", async () => {
    for (const target of ["..", ".", "test"]) {
      const run = await runBun(["run", "reset"], { FASTR_DATA_DIR: target });
      expect(run.exitCode).toBe(2);
      expect(run.stderr).toContain("refusing to wipe");
    }
    expect(existsSync(join(import.meta.dir, "scripts.test.ts"))).toBe(true);
  });

  it("a script with a bad setting says which one, without a stack trace", async () => {
    const run = await runBun(
      ["run", "staff:create", "--", "--email", "a@b.co", "--password", "long enough"],
      { SESSION_TTL_DAYS: "abc" },
    );
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toContain('SESSION_TTL_DAYS: expected a whole number, got "abc"');
    expect(run.stderr).not.toMatch(/at .+\.ts:\d+/);
  });

  it("bun run reset wipes the data directory: the next start is a fresh shop's", async () => {
    // The directory the tests above filled: a seeded catalog, staff categories and two staff accounts.
    expect(existsSync(join(dataDir, "pgdata"))).toBe(true);

    const run = await runBun(["run", "reset"], { FASTR_DATA_DIR: dataDir });
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toContain(`wiped ${dataDir}`);
    // Nothing of it is left: what `bun start` does then (seed a fresh shop) start.test.ts proves, on a
    // data directory that is not there either.
    expect(existsSync(dataDir)).toBe(false);
  });
});
