import { afterAll, beforeAll, describe, expect, it, spyOn } from "bun:test";
import { sql } from "drizzle-orm";
import { DAY, MINUTE, manualClock } from "../../platform/clock.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { createFastrClient } from "../../routers/client.ts";
import { failure } from "../../test/support/failure.ts";
import {
  type EmbeddedShop,
  mutationBody,
  queryString,
  startEmbeddedShop,
  startTestShop,
  type TestShop,
  uniqueEmail,
} from "../../test/support/shop.ts";
import { describeEmbedded, describeShop, itEmbedded } from "../../test/support/target.ts";

/** The session cookie a response sets (on Postgres a write also sets `fastr_lsn`, see ADR 014). */
const sessionCookie = (res: Response) =>
  res.headers.getSetCookie().find((cookie) => cookie.startsWith("fastr_session=")) ?? "";

describeShop("auth over HTTP", () => {
  let shop: TestShop;
  // The first PGlite open in a file compiles the WASM: on a busy machine that outlasts a hook's 5 s.
  beforeAll(async () => {
    shop = await startTestShop();
  }, 30_000);
  afterAll(() => shop.stop());

  it("signs up, sets an HttpOnly SameSite=Lax session cookie, and knows the user by cookie and by Bearer", async () => {
    const email = uniqueEmail();
    const res = await shop.fetch("/api/auth/trpc/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: mutationBody({ email: email.toUpperCase(), password: "long enough pw", name: "Grace" }),
    });
    expect(res.status).toBe(200);
    const cookie = sessionCookie(res);
    expect(cookie).toMatch(
      /^fastr_session=[a-z2-7]{32}\.[a-z2-7]{32}; Path=\/; HttpOnly; SameSite=Lax; Max-Age=\d+$/,
    );
    const json = (await res.json()).result.data.json;
    expect(json.user).toMatchObject({ email, name: "Grace", role: "customer" });

    const byCookie = await shop.fetch("/api/auth/trpc/me", { headers: { cookie: cookie.split(";")[0]! } });
    expect((await byCookie.json()).result.data.json).toMatchObject({ email });
    expect(await shop.client(json.token).auth.me.query()).toMatchObject({ email, role: "customer" });
    expect(await shop.client().auth.me.query()).toBeNull();
  });

  itEmbedded(
    "marks the cookie Secure when the shop is reached over https (behind a trusted proxy)",
    "needs a shop of its own that trusts the test as its proxy (the cluster trusts NGINX, which sets X-Forwarded-Proto)",
    async () => {
      const proxied = await startEmbeddedShop({ env: { TRUST_PROXY: "true" } });
      try {
        const res = await proxied.fetch("/api/auth/trpc/signup", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
          body: mutationBody({ email: uniqueEmail(), password: "long enough pw", name: "Sec" }),
        });
        expect(sessionCookie(res)).toEndWith("; Secure");
        const plain = await shop.fetch("/api/auth/trpc/signup", {
          method: "POST",
          headers: { "content-type": "application/json", "x-forwarded-proto": "https" },
          body: mutationBody({ email: uniqueEmail(), password: "long enough pw", name: "Plain" }),
        });
        expect(sessionCookie(plain)).not.toContain("Secure"); // an untrusted header changes nothing
      } finally {
        await proxied.stop();
      }
    },
  );

  it("refuses a second account with the same email, whatever its case", async () => {
    const { email } = await shop.customer();
    const error = await failure(
      shop.client().auth.signup.mutate({ email: email.toUpperCase(), password: "another pass", name: "X" }),
    );
    expect(error).toMatchObject({ code: "CONFLICT", message: "an account with this email already exists" });
  });

  it("says the same thing for an unknown account and a wrong password", async () => {
    const { email } = await shop.customer();
    const wrong = await failure(shop.client().auth.login.mutate({ email, password: "not the password" }));
    const unknown = await failure(
      shop.client().auth.login.mutate({ email: uniqueEmail("nobody"), password: "whatever1" }),
    );
    expect(wrong).toMatchObject({ code: "UNAUTHORIZED", message: "email or password is incorrect" });
    expect([unknown.code, unknown.message, unknown.data.reason]).toEqual([
      wrong.code,
      wrong.message,
      wrong.data.reason,
    ]);
  });

  it("logs in with the right password and the session works at once", async () => {
    const { email, password } = await shop.customer();
    const grant = await shop.client().auth.login.mutate({ email, password });
    expect(await shop.client(grant.token).user.me.query()).toMatchObject({ email });
  });

  it("stops a session from working the moment it logs out, also in the services that checked it just before", async () => {
    const { token, client, email } = await shop.customer();
    expect(await client.user.me.query()).toMatchObject({ email });
    expect(await client.user.me.query()).toMatchObject({ email });
    await client.auth.logout.mutate();
    expect(await shop.client(token).auth.me.query()).toBeNull();
    expect(await failure(shop.client(token).user.me.query())).toMatchObject({ code: "UNAUTHORIZED" });
  });

  it("rejects a forged or malformed token as a guest", async () => {
    const { token } = await shop.customer();
    const [id] = token.split(".");
    expect(await shop.client(`${id}.${"a".repeat(32)}`).auth.me.query()).toBeNull();
    expect(await shop.client("garbage").auth.me.query()).toBeNull();
  });

  describe("CSRF: cookie-authenticated mutations need an allowed Origin", () => {
    const update = (cookie: string, headers: Record<string, string>) =>
      shop.fetch("/api/user/trpc/update", {
        method: "POST",
        headers: { "content-type": "application/json", cookie, ...headers },
        body: mutationBody({ name: "Changed" }),
      });

    it("refuses a cookie mutation without Origin or from another site, and accepts one from the shop itself", async () => {
      const { token } = await shop.customer();
      const cookie = `fastr_session=${token}`;
      const missing = await update(cookie, {});
      expect(missing.status).toBe(403);
      expect((await missing.json()).error.json.data.code).toBe("FORBIDDEN");
      expect((await update(cookie, { origin: "https://evil.example" })).status).toBe(403);
      expect((await update(cookie, { origin: shop.url })).status).toBe(200);
    });

    it("does not apply to Bearer tokens, which a browser never sends by itself", async () => {
      const { token } = await shop.customer();
      expect((await update("", { authorization: `Bearer ${token}` })).status).toBe(200);
    });
  });
});

// Each of these makes dozens of argon2id verifications or hashes: on a shared 2-core machine that can
// outlast the default 5 s, hence 30 s per test.
describeEmbedded("login throttling", "needs a fake clock, its own limits and a small in-memory cache", () => {
  const clock = manualClock();
  let shop: EmbeddedShop;
  beforeAll(async () => {
    shop = await startEmbeddedShop({
      clock,
      env: { TRUST_PROXY: "true" },
      // A small response cache, so flooding it out takes a few hundred requests, not gigabytes.
      cacheSize: { maxEntries: 100 },
      overrides: {
        loginLimits: {
          ipAttempts: 20,
          ipWindowMs: 5 * MINUTE,
          pairFailures: 5,
          pairWindowMs: 15 * MINUTE,
          accountFailures: 12,
          accountWindowMs: 60 * MINUTE,
        },
      },
    });
  }, 30_000);
  afterAll(() => shop.stop());

  // One X-Forwarded-For hop: the client address under both the leftmost and the rightmost rule.
  const loginFrom = (ip: string, email: string, password: string) =>
    createFastrClient({ baseUrl: shop.url, headers: { "x-forwarded-for": ip } }).auth.login.mutate({
      email,
      password,
    });

  it("locks the guessing (account, address) pair before any hashing, and lets it back in after the window", async () => {
    const { email, password } = await shop.customer();
    for (let i = 0; i < 5; i++) await failure(loginFrom("10.0.0.1", email, "wrong guess!"));

    const verify = spyOn(Bun.password, "verify");
    const throttled = await failure(loginFrom("10.0.0.1", email, password));
    expect(throttled.code).toBe("TOO_MANY_REQUESTS");
    expect(throttled.data.reason).toBe("AUTH.THROTTLED");
    expect(throttled.message).toMatch(/try again in \d+ seconds/);
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();

    const raw = await shop.fetch("/api/auth/trpc/login", {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": "10.0.0.1" },
      body: mutationBody({ email, password }),
    });
    expect(raw.status).toBe(429);
    expect(Number(raw.headers.get("retry-after"))).toBeGreaterThan(14 * 60);

    clock.advance(15 * MINUTE + 1);
    expect((await loginFrom("10.0.0.1", email, password)).user.email).toBe(email);
  }, 30_000);

  it("lets the owner sign in from their address while an attacker's 50 wrong passwords come from another", async () => {
    const { email, password } = await shop.customer();
    const answers = [];
    for (let i = 0; i < 50; i++)
      answers.push((await failure(loginFrom("10.6.6.6", email, "not it at all"))).code);
    expect(answers.slice(0, 5)).toEqual(Array(5).fill("UNAUTHORIZED"));
    expect(answers.slice(5)).toEqual(Array(45).fill("TOO_MANY_REQUESTS"));

    expect((await loginFrom("10.7.7.7", email, password)).user.email).toBe(email);
    expect((await failure(loginFrom("10.6.6.6", email, password))).code).toBe("TOO_MANY_REQUESTS");
  }, 30_000);

  it("holds a guesser spread over many addresses at the account-wide bar, without refusing the owner's familiar address", async () => {
    const { email, password } = await shop.customer();
    await loginFrom("10.8.0.1", email, password); // the owner's usual address
    for (const ip of ["10.8.1.1", "10.8.1.2", "10.8.1.3"]) {
      for (let i = 0; i < 5; i++) await failure(loginFrom(ip, email, "distributed guess"));
    }
    const verify = spyOn(Bun.password, "verify");
    const fresh = await failure(loginFrom("10.8.1.4", email, "one more guess"));
    expect(fresh.code).toBe("TOO_MANY_REQUESTS");
    expect(verify).not.toHaveBeenCalled();
    verify.mockRestore();

    expect((await loginFrom("10.8.0.1", email, password)).user.email).toBe(email);
    // The owner's success does not hand the guessers a fresh budget.
    expect((await failure(loginFrom("10.8.1.5", email, password))).code).toBe("TOO_MANY_REQUESTS");
  }, 30_000);

  it("throttles one address that sprays many accounts, without affecting other addresses", async () => {
    const { email, password } = await shop.customer();
    for (let i = 0; i < 20; i++) await failure(loginFrom("10.9.9.9", uniqueEmail("spray"), "guess guess"));
    expect((await failure(loginFrom("10.9.9.9", email, password))).code).toBe("TOO_MANY_REQUESTS");
    expect((await loginFrom("10.9.9.10", email, password)).user.email).toBe(email);
  }, 30_000);

  it("keeps a throttled address and a locked pair throttled while cache pressure evicts every cached response", async () => {
    const { email, password } = await shop.customer();
    for (let i = 0; i < 5; i++) await failure(loginFrom("10.5.0.1", email, "wrong guess!"));
    for (let i = 0; i < 21; i++) await failure(loginFrom("10.5.0.2", uniqueEmail("spray"), "guess guess"));
    expect((await failure(loginFrom("10.5.0.1", email, password))).code).toBe("TOO_MANY_REQUESTS");
    expect((await failure(loginFrom("10.5.0.2", email, password))).code).toBe("TOO_MANY_REQUESTS");

    const categories = () => shop.fetch("/api/product/trpc/categories");
    await categories();
    expect((await categories()).headers.get("x-cache")).toBe("hit");
    // Unauthenticated GETs of distinct cacheable URLs, as many as the cache holds and then some.
    for (let i = 0; i < 150; i++) {
      const res = await shop.fetch(`/api/product/trpc/list${queryString({ q: `flood ${i}` })}`);
      expect(res.status).toBe(200);
    }
    expect((await categories()).headers.get("x-cache")).toBe("miss"); // the flood did evict

    expect((await failure(loginFrom("10.5.0.1", email, password))).code).toBe("TOO_MANY_REQUESTS");
    expect((await failure(loginFrom("10.5.0.2", email, password))).code).toBe("TOO_MANY_REQUESTS");
  }, 30_000);
});

describeEmbedded("sign-up throttling", "needs a fake clock and its own sign-up limit", () => {
  const clock = manualClock();
  let shop: EmbeddedShop;
  beforeAll(async () => {
    shop = await startEmbeddedShop({
      clock,
      // One batched POST of 48 sign-ups: a batch cap below that would refuse it before the throttle sees it.
      env: { TRUST_PROXY: "true", SIGNUP_LIMIT: "20", SIGNUP_WINDOW_MINUTES: "10", MAX_BATCH_SIZE: "50" },
    });
  }, 30_000);
  afterAll(() => shop.stop());

  const signupBatch = (ip: string, count: number, prefix: string) => {
    const inputs = Array.from({ length: count }, (_, i) => ({
      json: { email: uniqueEmail(`${prefix}-${i}`), password: "long enough pw", name: `Batch ${i}` },
    }));
    return shop.fetch(`/api/auth/trpc/${Array(count).fill("signup").join(",")}?batch=1`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-forwarded-for": ip },
      body: JSON.stringify(Object.fromEntries(inputs.map((input, i) => [i, input]))),
    });
  };
  const accountsNamed = async (prefix: string) =>
    rowsOf<{ n: number }>(
      await shop.db.primary.execute(
        sql`select count(*)::int as n from auth.users where email like ${`${prefix}-%`}`,
      ),
    )[0]!.n;

  it("creates at most the limit from one batched POST of 48 sign-ups, hashing no more passwords, and refuses the rest with 429", async () => {
    const hash = spyOn(Bun.password, "hash");
    const res = await signupBatch("10.20.0.1", 48, "batch");
    const hashed = hash.mock.calls.length;
    hash.mockRestore();

    const answers = (await res.json()) as {
      result?: unknown;
      error?: { json: { data: { code: string; reason: string } } };
    }[];
    expect(answers).toHaveLength(48);
    expect(answers.filter((a) => a.result)).toHaveLength(20);
    const refused = answers.filter((a) => a.error).map((a) => a.error!.json.data);
    expect(refused).toHaveLength(28);
    for (const data of refused)
      expect(data).toMatchObject({ code: "TOO_MANY_REQUESTS", reason: "AUTH.SIGNUP_THROTTLED" });
    expect(Number(res.headers.get("retry-after"))).toBeGreaterThan(9 * 60);
    expect(await accountsNamed("batch")).toBe(20);
    expect(hashed).toBe(20);
  }, 30_000);

  it("counts each client address on its own, and lets an address sign up again after the window", async () => {
    await signupBatch("10.20.1.1", 21, "own");
    expect(await accountsNamed("own")).toBe(20);
    const elsewhere = await signupBatch("10.20.1.2", 1, "elsewhere");
    expect(elsewhere.status).toBe(200);

    const single = () =>
      failure(
        createFastrClient({
          baseUrl: shop.url,
          headers: { "x-forwarded-for": "10.20.1.1" },
        }).auth.signup.mutate({
          email: uniqueEmail("later"),
          password: "long enough pw",
          name: "Later",
        }),
      );
    expect((await single()).code).toBe("TOO_MANY_REQUESTS");
    clock.advance(10 * MINUTE + 1);
    const again = await signupBatch("10.20.1.1", 1, "again");
    expect(again.status).toBe(200);
  }, 30_000);
});

describeEmbedded("session lifetime", "needs a fake clock", () => {
  const clock = manualClock();
  let shop: EmbeddedShop;
  beforeAll(async () => {
    shop = await startEmbeddedShop({ clock, env: { SESSION_TTL_DAYS: "30", SESSION_MAX_AGE_DAYS: "90" } });
  }, 30_000);
  afterAll(() => shop.stop());

  it("expires a session left idle for longer than its sliding window", async () => {
    const { token } = await shop.customer();
    clock.advance(30 * DAY + 1);
    expect(await shop.client(token).auth.me.query()).toBeNull();
  });

  it("slides the expiry while the session is used, and re-sends the cookie when it does", async () => {
    const { token } = await shop.customer();
    for (let day = 0; day < 4; day++) {
      clock.advance(20 * DAY);
      expect(await shop.client(token).auth.me.query()).not.toBeNull();
    }
    clock.advance(20 * DAY);
    const res = await shop.fetch("/api/auth/trpc/me", { headers: { cookie: `fastr_session=${token}` } });
    expect((await res.json()).result.data.json).toBeNull(); // 100 days in: past the 90-day cap
    expect(res.headers.get("set-cookie")).toContain("Max-Age=0");
  });

  it("renews the cookie once less than half the window is left", async () => {
    const { token } = await shop.customer();
    clock.advance(16 * DAY);
    const res = await shop.fetch("/api/auth/trpc/me", { headers: { cookie: `fastr_session=${token}` } });
    expect(res.headers.get("set-cookie")).toStartWith(`fastr_session=${token}`);
  });
});
