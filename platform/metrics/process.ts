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
  collectDefaultMetrics({ register: shared });
  redisMetrics(shared);
  return shared;
}
