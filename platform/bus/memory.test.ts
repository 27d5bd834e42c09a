import { describe, expect, it } from "bun:test";
import type { EventEnvelope } from "../../contracts/events.ts";
import { newId } from "../ids.ts";
import { busContract, fastRetry, stockChanged } from "./bus.contract.ts";
import { memoryBus } from "./memory.ts";

busContract("memory", async () => memoryBus({ retry: fastRetry }));

describe("memory bus", () => {
  it("hands an event to onPoison after the configured attempts and moves on to the next", async () => {
    const poisoned: { consumer: string; event: EventEnvelope; error: unknown }[] = [];
    const bus = memoryBus({
      retry: { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 },
      onPoison: (consumer, event, error) => void poisoned.push({ consumer, event, error }),
    });
    const [poison, next] = [stockChanged(newId(), 1), stockChanged(newId(), 2)];
    let attempts = 0;
    const handled: string[] = [];
    await bus.subscribe("indexer", async (e) => {
      if (e.id === poison.id) {
        attempts++;
        throw new Error("cannot index this one");
      }
      handled.push(e.id);
    });

    await bus.publish([poison, next]);
    await bus.drain();

    expect(attempts).toBe(3);
    expect(poisoned).toHaveLength(1);
    expect(poisoned[0]!.consumer).toBe("indexer");
    expect(poisoned[0]!.event.id).toBe(poison.id);
    expect((poisoned[0]!.error as Error).message).toBe("cannot index this one");
    expect(handled).toEqual([next.id]);
    await bus.close();
  });

  it("keeps delivering after an empty publish", async () => {
    const bus = memoryBus({ retry: fastRetry });
    const delivered = Promise.withResolvers<string>();
    await bus.subscribe("reader", async (e) => delivered.resolve(e.id));
    const later = stockChanged(newId(), 1);

    await bus.publish([]);
    await bus.publish([later]);

    // Not drain(): a stalled consumer used to make drain spin forever.
    expect(await Promise.race([delivered.promise, Bun.sleep(500).then(() => "nothing")])).toBe(later.id);
    await bus.close();
  });

  it("keeps delivering when onPoison itself fails", async () => {
    const bus = memoryBus({
      retry: { attempts: 1, baseDelayMs: 1, maxDelayMs: 1 },
      onPoison: () => {
        throw new Error("the dead-letter store is down");
      },
    });
    const [poison, next] = [stockChanged(newId(), 1), stockChanged(newId(), 2)];
    const delivered = Promise.withResolvers<string>();
    await bus.subscribe("reader", async (e) => {
      if (e.id === poison.id) throw new Error("bad event");
      delivered.resolve(e.id);
    });

    await bus.publish([poison]);
    await bus.publish([next]);

    expect(await Promise.race([delivered.promise, Bun.sleep(500).then(() => "nothing")])).toBe(next.id);
    await bus.drain();
    await bus.close();
  });

  it("rejects publishing after close", async () => {
    const bus = memoryBus();
    await bus.close();
    await expect(bus.publish([stockChanged(newId(), 1)])).rejects.toThrow("bus is closed");
  });
});
