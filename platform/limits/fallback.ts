import type { Logger } from "../log.ts";
import type { Limits } from "./port.ts";

/**
 * Limits that keep limiting while the shared store is away: counting moves to this process's own
 * store until the shared one answers again. Throttles stay closed (every process still counts), only
 * less precisely (each process counts alone) — no request is refused for want of Redis, and none
 * gets through uncounted.
 * @example const limits = fallbackLimits(redisLimits(url), memoryLimits(), log);
 */
export function fallbackLimits(shared: Limits, local: Limits, log: Logger): Limits {
  let warned = false;
  const degrade = (error: unknown) => {
    if (!warned) log.warn("limits store unavailable; counting in this process", { error });
    warned = true;
  };
  return {
    kind: shared.kind,
    async hit(key, windowMs, by) {
      try {
        const count = await shared.hit(key, windowMs, by);
        warned = false;
        return count;
      } catch (error) {
        degrade(error);
        return local.hit(key, windowMs, by);
      }
    },
    async reset(...keys) {
      await local.reset(...keys);
      await shared.reset(...keys).catch(degrade);
    },
    ping: () => shared.ping(),
    async close() {
      await Promise.all([shared.close(), local.close()]);
    },
  };
}
