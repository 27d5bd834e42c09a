import superjson from "superjson";
import { serializeOutput } from "./transformer.ts";

type Envelope = { json: unknown; meta?: unknown };

/**
 * superjson's wire format for service-to-service calls, without its cost where it adds nothing
 * (ADR 177). Writing, both ways, is `serializeOutput`: a value JSON carries as it is goes as
 * `{ json: value }` — what superjson writes for it — after one cheap look instead of superjson's
 * annotated walk; anything else (dates, `undefined`…) is written by superjson. Reading, an envelope
 * without `meta` is taken as it is (it was just parsed, so superjson's defensive deep copy buys
 * nothing); one with `meta` is decoded by superjson. A process still on plain superjson reads what this
 * writes and the other way round, so instances can be updated one at a time. The sender is another
 * service holding the internal secret, so the public input guard (ADR 033) is not needed here.
 * @example httpLink({ url, transformer: internalTransformer })
 */
export const internalTransformer = {
  serialize: (value: unknown): Envelope => serializeOutput(value),
  deserialize: (payload: Envelope): unknown =>
    payload && typeof payload === "object" && payload.meta === undefined
      ? payload.json
      : superjson.deserialize(payload as Parameters<typeof superjson.deserialize>[0]),
};
