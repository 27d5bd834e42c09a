import { afterAll, beforeAll, expect, it } from "bun:test";
import type { Cache } from "../../platform/cache/port.ts";
import type { Database } from "../../platform/db/port.ts";
import { testPorts } from "../../test/support/ports.ts";
import { freshDatabase } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { type AuthService, createAuthService } from "./index.ts";
import { testPasswordCost } from "./password.ts";

/**
 * A sign-out that lands while a session check is between reading the session from the database and
 * caching it: the check must not cache the ended session, which every process would then accept
 * until the entry's TTL (ADR 175). The cache here ends the session right before the check's put lands,
 * the one order of events that matters.
 */
describeEmbedded("a sign-out racing a session check", "builds the auth service on its own database", () => {
  let db: Database;
  let auth: AuthService;
  /** Run once, right before the next session entry is stored. */
  let beforeNextPut: (() => Promise<void>) | null = null;
  beforeAll(async () => {
    db = await freshDatabase();
    const { ports } = testPorts(db, "auth");
    const cache = ports.cache;
    const racing: Cache = {
      ...cache,
      async set(key, value, ttlMs) {
        const race = key.startsWith("auth:session:") ? beforeNextPut : null;
        beforeNextPut = null;
        await race?.();
        return cache.set(key, value, ttlMs);
      },
    };
    auth = createAuthService(
      { ...ports, cache: racing },
      {
        sessionTtlDays: 30,
        sessionMaxAgeDays: 90,
        signupLimits: { attempts: 1000, windowMs: 60_000 },
        passwordCost: testPasswordCost,
      },
    );
  }, 30_000);
  afterAll(() => db.close());

  it("refuses the session at once and keeps refusing it, though the check read it before the sign-out", async () => {
    const { token } = await auth.api.signup(
      { email: `racer-${Date.now()}@example.test`, password: "long enough pw", name: "Racer" },
      { ip: "127.0.0.1" },
    );
    const sessionId = token.split(".")[0]!;
    beforeNextPut = () => auth.api.logout(sessionId);
    expect(await auth.api.validateSession(token)).toBeNull();
    expect(await auth.api.validateSession(token)).toBeNull();
  });
});
