import { describe, expect, it } from "bun:test";
import type { EventEnvelope } from "../../contracts/events.ts";
import { systemClock } from "../clock.ts";
import { newId } from "../ids.ts";
import { event } from "./outbox.ts";
import type { Bus, RetryPolicy } from "./port.ts";

/** Retries quickly enough for a test; pass it to the adapter the contract opens. */
export const fastRetry: RetryPolicy = { attempts: 5, baseDelayMs: 1, maxDelayMs: 5 };

/** A stock change for `aggregateId`, its position in the sequence carried in `stock`. */
export const stockChanged = (aggregateId: string, n: number): EventEnvelope =>
  event(
    "product.stock_changed@1",
    aggregateId,
    { productId: aggregateId, variantId: newId(), stock: n },
    systemClock,
  );

const stockOf = (e: EventEnvelope) => (e.payload as { stock: number }).stock;

/**
 * The behaviour every bus adapter promises (in-process, Redis Streams, Kafka), run against each.
 * `open` must return a fresh bus whose retry policy is fast (see `fastRetry`); each test opens its own
 * and closes it. With `concurrent`, the tests run at once: only for an adapter whose buses share
 * nothing (Kafka's, each on its own topics, spend most of a test waiting for a new group's first join).
 * @example busContract("memory", async () => memoryBus({ retry: fastRetry }));
 */
export function busContract(name: string, open: () => Promise<Bus>, { concurrent = false } = {}) {
  /** A test on a bus of its own, closed after it. */
  const test = (title: string, body: (bus: Bus) => Promise<void>) =>
    (concurrent ? it.concurrent : it)(title, async () => {
      const bus = await open();
      try {
        await body(bus);
      } finally {
        await bus.close();
      }
    });

  describe(`bus contract: ${name}`, () => {
    test("delivers every published event to every consumer group", async (bus) => {
      const seen: Record<string, string[]> = { search: [], mailer: [] };
      for (const group of Object.keys(seen)) {
        await bus.subscribe(group, async (e) => {
          seen[group]!.push(e.id);
        });
      }
      const events = [stockChanged(newId(), 1), stockChanged(newId(), 2)];
      const more = [stockChanged(newId(), 3)];

      await bus.publish(events);
      await bus.publish(more);
      await bus.drain();

      const ids = [...events, ...more].map((e) => e.id);
      expect(seen.search!.toSorted()).toEqual(ids.toSorted());
      expect(seen.mailer!.toSorted()).toEqual(ids.toSorted());
    });

    test("delivers the envelope intact", async (bus) => {
      const got: EventEnvelope[] = [];
      await bus.subscribe("reader", async (e) => {
        got.push(e);
      });
      const sent = stockChanged(newId(), 7);
      await bus.publish([sent]);
      await bus.drain();
      expect(got).toHaveLength(1);
      expect({ ...got[0]!, occurredAt: new Date(got[0]!.occurredAt) }).toEqual(sent);
    });

    test("carries the trace context of the work that wrote an event", async (bus) => {
      const got: EventEnvelope[] = [];
      await bus.subscribe("tracer", async (e) => {
        got.push(e);
      });
      const traceparent = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01";
      await bus.publish([{ ...stockChanged(newId(), 1), traceparent, tracestate: "fastr=1" }]);
      await bus.drain();
      expect(got.map((e) => [e.traceparent, e.tracestate])).toEqual([[traceparent, "fastr=1"]]);
    });

    test("delivers the events of one aggregate in publish order", async (bus) => {
      const aggregates = [newId(), newId(), newId()];
      const seen = new Map<string, number[]>(aggregates.map((a) => [a, []]));
      await bus.subscribe("projector", async (e) => {
        // Uneven handler latency would let a concurrent consumer overtake itself.
        if (Math.random() < 0.3) await Bun.sleep(1);
        seen.get(e.aggregateId)!.push(stockOf(e));
      });

      const expected = Array.from({ length: 30 }, (_, n) => n);
      for (let n = 0; n < 30; n += 3) {
        // Interleave aggregates, mixing single publishes with batches.
        await bus.publish([stockChanged(aggregates[0]!, n), stockChanged(aggregates[1]!, n)]);
        await bus.publish([stockChanged(aggregates[2]!, n)]);
        await bus.publish([
          stockChanged(aggregates[0]!, n + 1),
          stockChanged(aggregates[0]!, n + 2),
          stockChanged(aggregates[1]!, n + 1),
        ]);
        await bus.publish([stockChanged(aggregates[1]!, n + 2)]);
        await bus.publish([stockChanged(aggregates[2]!, n + 1), stockChanged(aggregates[2]!, n + 2)]);
      }
      await bus.drain();

      for (const aggregate of aggregates) expect(seen.get(aggregate)!).toEqual(expected);
    });

    test("redelivers an event whose handler failed until it succeeds, before the next one", async (bus) => {
      const aggregate = newId();
      const [flaky, next] = [stockChanged(aggregate, 1), stockChanged(aggregate, 2)];
      let attempts = 0;
      const handled: number[] = [];
      await bus.subscribe("flaky", async (e) => {
        if (e.id === flaky.id && ++attempts <= 2) throw new Error(`transient failure ${attempts}`);
        handled.push(stockOf(e));
      });

      await bus.publish([flaky, next]);
      await bus.drain();

      expect(attempts).toBe(3);
      expect(handled).toEqual([1, 2]);
    });

    test("reports how many events a group has not finished with, and none once it caught up", async (bus) => {
      let release = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let started = () => {};
      const handling = new Promise<void>((resolve) => {
        started = resolve;
      });
      await bus.subscribe("laggard", async () => {
        started();
        await gate;
      });
      const behind = async () =>
        (await bus.lag()).filter((l) => l.consumer === "laggard").reduce((sum, l) => sum + (l.lag ?? 0), 0);

      await bus.publish([stockChanged(newId(), 1), stockChanged(newId(), 2), stockChanged(newId(), 3)]);
      await handling;
      expect(await behind()).toBe(3);
      release();
      await bus.drain();
      expect(await behind()).toBe(0);
    });

    test("drain waits for deliveries still in flight", async (bus) => {
      let finished = 0;
      await bus.subscribe("slow", async () => {
        await Bun.sleep(30);
        finished++;
      });
      await bus.publish([stockChanged(newId(), 1), stockChanged(newId(), 2)]);
      await bus.drain();
      expect(finished).toBe(2);
    });
  });
}
