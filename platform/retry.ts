/** How often failing work is tried, and how long to wait between tries. */
export type RetryPolicy = {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /**
   * How a wait is randomised below its exponential step: `full` (the default) anywhere from nothing to
   * the step, which spreads a crowd of consumers best; `equal` at least half the step, so that each
   * retry really waits (a mail server coming back up).
   */
  jitter?: "full" | "equal";
};

/**
 * The wait before retry number `attempt` (from 1): exponential from `baseDelayMs`, capped at
 * `maxDelayMs`, with the policy's jitter.
 * @example await Bun.sleep(backoff(attempt, { attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 }));
 */
export function backoff(attempt: number, policy: RetryPolicy): number {
  const step = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (attempt - 1));
  return policy.jitter === "equal" ? step / 2 + (Math.random() * step) / 2 : Math.random() * step;
}
