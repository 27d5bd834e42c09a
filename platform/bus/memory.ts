import type { EventEnvelope } from "../../contracts/events.ts";
import type { Bus, EventHandler, PoisonHandler, RetryPolicy } from "./port.ts";
import { backoff, defaultRetry } from "./port.ts";

type Consumer = {
  handler: EventHandler;
  onPoison: PoisonHandler;
  queue: EventEnvelope[];
  running: Promise<void> | null;
};

/**
 * The embedded shape's bus: each consumer group has its own queue, worked one event at a time,
 * so order holds per consumer. Delivery is asynchronous: `publish` never waits for handlers.
 * @example const bus = memoryBus({ onPoison: (c, e, err) => log.error(...) });
 */
export function memoryBus({
  retry = defaultRetry,
  onPoison = () => {},
}: {
  retry?: RetryPolicy;
  onPoison?: PoisonHandler;
} = {}): Bus {
  const consumers = new Map<string, Consumer>();
  let closed = false;

  const deliver = async (name: string, event: EventEnvelope, consumer: Consumer) => {
    for (let attempt = 1; ; attempt++) {
      try {
        return await consumer.handler(event);
      } catch (error) {
        if (attempt >= retry.attempts || closed) return consumer.onPoison(name, event, error);
        await Bun.sleep(backoff(attempt, retry));
      }
    }
  };

  const work = (name: string, consumer: Consumer) => {
    // With an empty queue the worker below would finish synchronously, clear `running` before this
    // assignment, and leave a settled promise that blocks every later start (and spins `drain`).
    if (consumer.running || consumer.queue.length === 0) return;
    consumer.running = (async () => {
      for (let event = consumer.queue.shift(); event && !closed; event = consumer.queue.shift()) {
        // Only a failing onPoison can reject here; the event is given up on either way, and the
        // worker must live on for the events behind it.
        await deliver(name, event, consumer).catch(() => {});
      }
      consumer.running = null;
    })();
  };

  return {
    kind: "memory",
    async publish(events) {
      if (closed) throw new Error("bus is closed");
      for (const [name, consumer] of consumers) {
        consumer.queue.push(...events);
        work(name, consumer);
      }
    },
    async subscribe(name, handler, options) {
      if (consumers.has(name)) throw new Error(`consumer ${name} is already subscribed`);
      consumers.set(name, { handler, onPoison: options?.onPoison ?? onPoison, queue: [], running: null });
    },
    async lag() {
      return [...consumers].map(([consumer, { queue, running }]) => {
        const inHand = running ? 1 : 0;
        return { consumer, stream: "in-process", lag: queue.length + inHand, pending: inHand };
      });
    },
    async drain() {
      for (;;) {
        const running = [...consumers.values()].map((c) => c.running).filter(Boolean);
        if (running.length === 0) return;
        await Promise.all(running);
      }
    },
    async close() {
      closed = true;
      await Promise.all([...consumers.values()].map((c) => c.running));
      consumers.clear();
    },
  };
}
