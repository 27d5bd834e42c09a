import type { EventEnvelope } from "../../contracts/events.ts";
import type { RetryPolicy } from "../retry.ts";

export type EventHandler = (event: EventEnvelope) => Promise<void>;

/** What happens to an event a handler keeps failing on, once retries are spent. */
export type PoisonHandler = (consumer: string, event: EventEnvelope, error: unknown) => Promise<void> | void;

/** How far one consumer group is behind on one stream (topic), for metrics. */
export type ConsumerLag = {
  consumer: string;
  /** The stream or topic (`fastr.order`); `in-process` for the embedded bus's single queue. */
  stream: string;
  /** Events published there that the group has not finished with; null when the transport cannot tell. */
  lag: number | null;
  /** Of those, the ones handed to a handler and not yet acknowledged, where the transport tracks it. */
  pending?: number;
};

/**
 * The bus port: at-least-once delivery to every consumer group, in order per aggregate.
 * Producers never call `publish` directly; the outbox relay does, after the business transaction commits.
 */
export interface Bus {
  readonly kind: "memory" | "redis-streams" | "kafka";
  publish(events: readonly EventEnvelope[]): Promise<void>;
  /**
   * Each distinct `consumer` gets every event; handlers of one consumer see events one at a time.
   * An event the handler keeps failing on goes to `onPoison` (the consumer's dead-letter table), and
   * delivery moves on to the next one.
   */
  subscribe(consumer: string, handler: EventHandler, options?: { onPoison?: PoisonHandler }): Promise<void>;
  /** Resolves once every event published so far has been handled or given up on (tests, shutdown). */
  drain(): Promise<void>;
  /** How far behind each group subscribed in this process is, per stream (read when metrics are scraped). */
  lag(): Promise<readonly ConsumerLag[]>;
  close(): Promise<void>;
}

export { backoff, type RetryPolicy } from "../retry.ts";
/** How often a consumer retries a failing handler before the event is poison. */
export const defaultRetry: RetryPolicy = { attempts: 6, baseDelayMs: 100, maxDelayMs: 5_000 };
