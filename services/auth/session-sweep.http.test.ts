import { afterAll, beforeAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { DAY, manualClock } from "../../platform/clock.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { waitFor } from "../../test/support/binaries.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";

describeEmbedded(
  "expired-session sweep",
  "needs a fake clock and the housekeeping schedule in the test's process",
  () => {
    const clock = manualClock();
    let shop: EmbeddedShop;
    beforeAll(async () => {
      // Housekeeping every 100 ms instead of hourly: the scheduled job itself, not a direct call.
      shop = await startEmbeddedShop({
        clock,
        env: { SESSION_TTL_DAYS: "30" },
        overrides: { periodicJobs: true, jobEveryMs: 100 },
      });
    }, 30_000);
    afterAll(() => shop.stop());

    const sessionsOf = async (userId: string) =>
      rowsOf<{ n: number }>(
        await shop.db.primary.execute(
          sql`select count(*)::int as n from auth.sessions where user_id = ${userId}`,
        ),
      )[0]!.n;

    it("deletes sessions past their expiry on the housekeeping schedule, without anyone presenting them", async () => {
      const idle = await shop.customer();
      expect(await sessionsOf(idle.user.id)).toBe(1);

      clock.advance(30 * DAY + 1);
      const fresh = await shop.customer(); // signed up after the jump: its session is still good
      await waitFor(
        "the scheduled sweep to delete the idle session",
        async () => (await sessionsOf(idle.user.id)) === 0,
        5_000,
      );

      expect(await sessionsOf(fresh.user.id)).toBe(1);
      expect(await shop.client(fresh.token).auth.me.query()).toMatchObject({ email: fresh.email });
      expect(await shop.client(idle.token).auth.me.query()).toBeNull();
    });
  },
);
