import { EventPayloads } from "../../contracts/events.ts";

/**
 * The aggregate types events belong to, named by the part of each event type before the dot
 * (`order.paid` → `order`), read from the event contracts. Every transport makes one stream or topic
 * per entry, and the shapes provision exactly these: a new aggregate needs an event contract first,
 * so it can never be published to a topic nobody created (ADR 071).
 */
export const aggregateTypes = [...new Set(Object.keys(EventPayloads).map((name) => name.split(".")[0]!))];

/** The aggregate type of an event type: `order.paid` → `order`. */
export const aggregateOf = (eventType: string) => eventType.split(".")[0]!;
