import { collectDefaultMetrics, Registry } from "prom-client";
import { redisMetrics } from "./redis.ts";

let shared: Registry | undefined;

/**
 * The series that belong to the process rather than to what it serves: prom-client's defaults (CPU,
 * resident memory, open files, event-loop lag; under Bun the `nodejs_heap_*` figures are partial) and
 * the Redis connections it holds. Made once per process, and registered in every registry it creates,
 * so a test process running several shops starts one event-loop monitor, not one per shop.
 */
export function processMetrics(): Registry {
  if (shared) return shared;
  shared = new Registry();
  // Event-loop lag sampled every 50 ms, not prom-client's 10: a hundred wake-ups a second cost an
  // idle Bun process ~2-3 ms of CPU a second (fourteen of them in the cluster), and a stall shorter
  // than 50 ms is still caught whenever it spans a sample (ADR 188).
  collectDefaultMetrics({ register: shared, eventLoopMonitoringPrecision: 50 });
  redisMetrics(shared);
  return shared;
}
