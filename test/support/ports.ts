import { memoryCache } from "../../platform/cache/memory.ts";
import { systemClock } from "../../platform/clock.ts";
import type { Database } from "../../platform/db/port.ts";
import { memoryLimits } from "../../platform/limits/memory.ts";
import { silentLogger } from "../../platform/log.ts";
import { unscrapedMetrics } from "../../platform/metrics/registry.ts";
import type { ServicePorts } from "../../platform/service.ts";

/**
 * Ports for one service under test on `db`: an in-memory cache and limits store, the system clock, no
 * logs, and a count of the transactions that committed events (`commits()`).
 * @example const { ports, commits } = testPorts(db); createPaymentService(ports, { provider });
 */
export function testPorts(db: Database, service = "test") {
  let commits = 0;
  const ports: ServicePorts = {
    db,
    cache: memoryCache(),
    limits: memoryLimits(),
    clock: systemClock,
    log: silentLogger,
    metrics: unscrapedMetrics(service),
    eventsCommitted: () => {
      commits++;
    },
    // Tests may change rows beside the service: it holds nothing of its own writes.
    sole: false,
  };
  return { ports, commits: () => commits };
}
