/**
 * The argon2id cost of stored password hashes (ADR 160): production's unless a test shop lowers it,
 * and a stored hash verifies whatever cost the process checking it hashes new passwords at.
 */
import { expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { ConfigError, readConfig } from "../../platform/config.ts";
import type { Database } from "../../platform/db/port.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { silentLogger } from "../../platform/log.ts";
import { embeddedPorts } from "../../shapes/embedded/ports.ts";
import { createShop, readShopConfig } from "../../shapes/embedded/shop.ts";
import { failure } from "../../test/support/failure.ts";
import { freshDatabase, startEmbeddedShop, uniqueEmail } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { authOptionsFrom } from "./index.ts";
import { authConfig } from "./module.ts";
import { productionPasswordCost, testPasswordCost } from "./password.ts";

const PRODUCTION = "$argon2id$v=19$m=19456,t=2,p=1$";
const TEST = "$argon2id$v=19$m=8,t=1,p=1$";

const storedHash = async (db: Database, email: string) =>
  rowsOf<{ hash: string }>(
    await db.primary.execute(sql`select password_hash as hash from auth.users where email = ${email}`),
  )[0]!.hash;

describeEmbedded("password hashing cost", "reads stored hashes and composes shops in this process", () => {
  it("stores argon2id hashes at m=19456,t=2 (OWASP's minimum) in a shop composed as `bun start` composes it", async () => {
    const embedded = await embeddedPorts({ log: silentLogger, db: await freshDatabase() });
    const shop = await createShop(readShopConfig({ LOG_LEVEL: "silent" }), embedded.ports);
    try {
      const auth = shop.services.auth;
      const customer = { email: uniqueEmail(), password: "long enough pw", name: "Olga" };
      await auth.signup(customer, { ip: "127.0.0.1" });
      const staff = { email: uniqueEmail("staff"), password: "staff password 1" };
      await auth.upsertStaff(staff);

      expect(await storedHash(embedded.ports.db, customer.email)).toStartWith(PRODUCTION);
      expect(await storedHash(embedded.ports.db, staff.email)).toStartWith(PRODUCTION);
      const { user } = await auth.login(customer, { ip: "127.0.0.1" });
      expect(user.email).toBe(customer.email);
    } finally {
      await shop.close();
      await embedded.close();
    }
  }, 30_000);

  it("signs in with a hash a test shop made, in a shop hashing at the production cost, which then hashes a new password at its own cost", async () => {
    const cheap = await startEmbeddedShop();
    const customer = await cheap.customer();
    expect(await storedHash(cheap.db, customer.email)).toStartWith(TEST);

    const shop = await cheap.restart({ passwordCost: productionPasswordCost });
    try {
      const { email, password } = customer;
      expect((await failure(shop.client().auth.login.mutate({ email, password: "wrong guess!" }))).code).toBe(
        "UNAUTHORIZED",
      );
      const { token } = await shop.client().auth.login.mutate({ email, password });
      await shop.client(token).user.changePassword.mutate({
        currentPassword: password,
        newPassword: "a newer password",
      });
      expect(await storedHash(shop.db, email)).toStartWith(PRODUCTION);
      expect(
        (await shop.client().auth.login.mutate({ email, password: "a newer password" })).user.email,
      ).toBe(email);
    } finally {
      await shop.stop();
    }
  }, 30_000);

  it("lowers the cost in a service process only for FASTR_TEST_CHEAP_PASSWORD_HASHES in a test run", () => {
    const options = (environment: Record<string, string>) =>
      authOptionsFrom(readConfig([authConfig], environment));
    expect(options({}).passwordCost).toBeUndefined(); // createAuthService: production's
    expect(options({ FASTR_TEST_CHEAP_PASSWORD_HASHES: "true", NODE_ENV: "test" }).passwordCost).toEqual(
      testPasswordCost,
    );
    for (const NODE_ENV of ["production", ""]) {
      expect(() => options({ FASTR_TEST_CHEAP_PASSWORD_HASHES: "true", NODE_ENV })).toThrow(ConfigError);
    }
  });
});
