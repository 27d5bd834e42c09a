import { afterAll, beforeAll, expect, it } from "bun:test";
import type { AuthApi } from "../../contracts/auth.ts";
import { DAY, manualClock } from "../../platform/clock.ts";
import { callCounter } from "../../test/support/call-counter.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { sessionCheck } from "./session-check.ts";

/**
 * A process without the auth service (a cluster instance of cart, order, user…) checks sessions from
 * the cache the auth service shares (ADR 175). Here the shop's own auth service and its cache stand for
 * the auth process and Redis; each test counts the calls the check still makes to it.
 */
describeEmbedded("session checks outside the auth service", "needs the shop's auth service and cache", () => {
  const clock = manualClock();
  let shop: EmbeddedShop;
  const toAuth = callCounter();
  let check: AuthApi["validateSession"];
  beforeAll(async () => {
    shop = await startEmbeddedShop({ clock, env: { SESSION_TTL_DAYS: "30", SESSION_MAX_AGE_DAYS: "90" } });
    const auth = shop.services.auth;
    check = sessionCheck(
      { validateSession: toAuth.counting((token: string) => auth.validateSession(token)) },
      shop.cache,
      clock,
    );
  }, 30_000);
  afterAll(() => shop.stop());

  it("asks the auth service once, then accepts the session from the cache without a call", async () => {
    const { token, user } = await shop.customer();
    expect(await toAuth.callsOf(() => check(token))).toBe(1);
    expect(
      await toAuth.callsOf(async () => {
        for (let i = 0; i < 5; i++) expect((await check(token))?.user).toEqual(user);
      }),
    ).toBe(0);
  });

  it("refuses a session at once after it signed out, though it was accepted from the cache just before", async () => {
    const { token, client } = await shop.customer();
    await check(token);
    expect(await check(token)).not.toBeNull();
    await client.auth.logout.mutate();
    expect(await check(token)).toBeNull();
  });

  it("refuses the other sessions of a customer at once after a password change, and keeps the one that changed it", async () => {
    const { token, client, email, password } = await shop.customer();
    const other = (await shop.client().auth.login.mutate({ email, password })).token;
    await check(token);
    await check(other);
    expect(await check(other)).not.toBeNull();
    await client.user.changePassword.mutate({ currentPassword: password, newPassword: "a new password" });
    expect(await check(other)).toBeNull();
    expect(await check(token)).not.toBeNull();
  });

  it("shows a profile change at once", async () => {
    const { token, client } = await shop.customer("Old Name");
    await check(token);
    await client.user.update.mutate({ name: "New Name" });
    expect((await check(token))?.user.name).toBe("New Name");
  });

  it("refuses a wrong secret for a cached session without a call", async () => {
    const { token } = await shop.customer();
    await check(token);
    const [id] = token.split(".");
    expect(await toAuth.callsOf(async () => expect(await check(`${id}.${"a".repeat(32)}`)).toBeNull())).toBe(
      0,
    );
    expect(await check("garbage")).toBeNull();
  });

  it("leaves a renewal to the auth service: once less than half the window is left, the check asks it, and it slides the expiry", async () => {
    const { token } = await shop.customer();
    const first = (await check(token))!;
    clock.advance(16 * DAY);
    let renewed: Awaited<ReturnType<typeof check>> = null;
    expect(await toAuth.callsOf(async () => (renewed = await check(token)))).toBe(1);
    expect(renewed).toMatchObject({ renewed: true });
    expect(renewed!.expiresAt.getTime()).toBeGreaterThan(first.expiresAt.getTime());
    expect(await toAuth.callsOf(() => check(token))).toBe(0);
    clock.advance(31 * DAY);
    expect(await check(token)).toBeNull();
  });
});
