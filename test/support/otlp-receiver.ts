import { waitFor } from "./binaries.ts";

/** A span as the receiver saw it, whatever the encoding: ids in hex, attributes as plain values. */
export type ReceivedSpan = {
  service: string;
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: "internal" | "server" | "client" | "producer" | "consumer" | "unspecified";
  attributes: Record<string, string | number | boolean>;
  resource: Record<string, string | number | boolean>;
};

const KINDS = ["unspecified", "internal", "server", "client", "producer", "consumer"] as const;

/**
 * A collector for tests: a loopback HTTP server that takes OTLP trace exports at `/v1/traces`, in
 * JSON (`http/json`) or protobuf (`http/protobuf`), and keeps every span.
 * @example const otlp = startOtlpReceiver(); env.OTEL_EXPORTER_OTLP_ENDPOINT = otlp.url; … otlp.trace(traceId)
 */
export function startOtlpReceiver() {
  const spans: ReceivedSpan[] = [];
  const requests: { contentType: string; headers: Record<string, string> }[] = [];
  /** Exports it could not read (a test failing on a missing span should say so). */
  const errors: string[] = [];
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    async fetch(req) {
      if (req.method !== "POST" || new URL(req.url).pathname !== "/v1/traces")
        return new Response("not found", { status: 404 });
      const contentType = req.headers.get("content-type") ?? "";
      requests.push({ contentType, headers: Object.fromEntries(req.headers) });
      const body = new Uint8Array(await req.arrayBuffer());
      const json = contentType.includes("json");
      try {
        spans.push(...(json ? fromJson(JSON.parse(new TextDecoder().decode(body))) : fromProtobuf(body)));
      } catch (error) {
        errors.push(String(error));
        return new Response(String(error), { status: 400 });
      }
      // An empty ExportTraceServiceResponse, in the request's encoding.
      return json
        ? Response.json({})
        : new Response(new Uint8Array(), { headers: { "content-type": "application/x-protobuf" } });
    },
  });
  return {
    url: server.url.origin,
    spans,
    requests,
    errors,
    /** Every span of one trace received so far. */
    trace: (traceId: string) => spans.filter((s) => s.traceId === traceId),
    /** Waits until `check` holds for what was received. */
    until: (what: string, check: () => boolean, timeoutMs = 20_000) =>
      waitFor(what, async () => check(), timeoutMs),
    close: () => server.stop(true),
  };
}

const randomHex = (bytes: number) =>
  Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/** A caller's own trace context, as a browser or a gateway would send it (`traceparent`). */
export function callerTraceContext() {
  const traceId = randomHex(16);
  const spanId = randomHex(8);
  return { traceId, spanId, traceparent: `00-${traceId}-${spanId}-01` };
}

/** Follows parent links from `span` up to the root of what was received (nearest first). */
export function ancestorsOf(span: ReceivedSpan, all: readonly ReceivedSpan[]): ReceivedSpan[] {
  const byId = new Map(all.map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  for (let at = byId.get(span.parentSpanId); at; at = byId.get(at.parentSpanId)) chain.push(at);
  return chain;
}

type Json = Record<string, unknown>;
type JsonValue = {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string | number;
  doubleValue?: number;
};

const jsonValue = (v: JsonValue) =>
  v.stringValue ?? v.boolValue ?? (v.intValue !== undefined ? Number(v.intValue) : (v.doubleValue ?? ""));
const jsonAttributes = (list: unknown) =>
  Object.fromEntries(
    ((list as { key: string; value: JsonValue }[]) ?? []).map((a) => [a.key, jsonValue(a.value)]),
  );

function fromJson(request: Json): ReceivedSpan[] {
  return ((request.resourceSpans as Json[]) ?? []).flatMap((rs) => {
    const resource = jsonAttributes((rs.resource as Json | undefined)?.attributes);
    return ((rs.scopeSpans as Json[]) ?? []).flatMap((ss) =>
      ((ss.spans as Json[]) ?? []).map((s) => ({
        service: String(resource["service.name"]),
        traceId: String(s.traceId),
        spanId: String(s.spanId),
        parentSpanId: String(s.parentSpanId ?? ""),
        name: String(s.name),
        kind: KINDS[Number(s.kind ?? 0)] ?? "unspecified",
        attributes: jsonAttributes(s.attributes),
        resource,
      })),
    );
  });
}

/** Protobuf fields by number: varints as numbers, length-delimited ones as bytes, fixed ones as bytes. */
type Fields = Map<number, (number | Uint8Array)[]>;

/** Reads one message's fields off the wire (no schema needed for the few OTLP fields read here). */
function fieldsOf(bytes: Uint8Array): Fields {
  const fields: Fields = new Map();
  let at = 0;
  const varint = () => {
    let value = 0;
    let shift = 0;
    for (;;) {
      const byte = bytes[at++]!;
      value += (byte & 0x7f) * 2 ** shift;
      if (byte < 0x80) return value;
      shift += 7;
    }
  };
  while (at < bytes.length) {
    const key = varint();
    const number = Math.floor(key / 8);
    const wire = key % 8;
    let value: number | Uint8Array;
    if (wire === 0) value = varint();
    else if (wire === 2) {
      const length = varint();
      value = bytes.subarray(at, at + length);
      at += length;
    } else if (wire === 1 || wire === 5) {
      const length = wire === 1 ? 8 : 4;
      value = bytes.subarray(at, at + length);
      at += length;
    } else throw new Error(`unexpected protobuf wire type ${wire}`);
    fields.set(number, [...(fields.get(number) ?? []), value]);
  }
  return fields;
}

const bytesOf = (fields: Fields, n: number) =>
  (fields.get(n)?.[0] as Uint8Array | undefined) ?? new Uint8Array();
const messages = (fields: Fields, n: number) => (fields.get(n) ?? []).map((b) => fieldsOf(b as Uint8Array));
const text = (fields: Fields, n: number) => new TextDecoder().decode(bytesOf(fields, n));
const hex = (fields: Fields, n: number) => Buffer.from(bytesOf(fields, n)).toString("hex");

/** AnyValue: 1 string, 2 bool, 3 int, 4 double. */
function anyValue(v: Fields): string | number | boolean {
  if (v.has(1)) return text(v, 1);
  if (v.has(2)) return v.get(2)![0] === 1;
  if (v.has(3)) return Number(v.get(3)![0]);
  if (v.has(4)) return new DataView(Uint8Array.from(bytesOf(v, 4)).buffer).getFloat64(0, true);
  return "";
}
/** KeyValue: 1 key, 2 value. */
const protoAttributes = (list: Fields[]) =>
  Object.fromEntries(list.map((kv) => [text(kv, 1), anyValue(messages(kv, 2)[0] ?? new Map())]));

/** How many spans one protobuf export carries, without reading them. */
const spansInProtobufExport = (body: Uint8Array) =>
  messages(fieldsOf(body), 1).reduce(
    (n, rs) => n + messages(rs, 2).reduce((m, ss) => m + (ss.get(2)?.length ?? 0), 0),
    0,
  );

type JsonExport = { resourceSpans: { scopeSpans: { spans: unknown[] }[] }[] };

/**
 * A collector for the bench: a loopback server that takes OTLP trace exports (protobuf or JSON),
 * counts their spans without reading them and drops them, so the receiver costs little next to the
 * shop being measured. `counted` is live.
 * @example const sink = startCountingOtlpReceiver(); // OTEL_EXPORTER_OTLP_ENDPOINT: sink.url … sink.counted.spans
 */
export function startCountingOtlpReceiver() {
  const counted = { spans: 0, exports: 0 };
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    fetch: async (request) => {
      const body = new Uint8Array(await request.arrayBuffer());
      counted.spans += (request.headers.get("content-type") ?? "").includes("json")
        ? (JSON.parse(new TextDecoder().decode(body)) as JsonExport).resourceSpans
            .flatMap((r) => r.scopeSpans)
            .reduce((n, ss) => n + ss.spans.length, 0)
        : spansInProtobufExport(body);
      counted.exports++;
      return new Response(null, { status: 200 });
    },
  });
  return { url: server.url.origin, counted, stop: () => server.stop(true) };
}

/**
 * ExportTraceServiceRequest: 1 resource_spans → ResourceSpans: 1 resource (1 attributes), 2 scope_spans
 * → ScopeSpans: 2 spans → Span: 1 trace_id, 2 span_id, 4 parent_span_id, 5 name, 6 kind, 9 attributes.
 */
function fromProtobuf(body: Uint8Array): ReceivedSpan[] {
  return messages(fieldsOf(body), 1).flatMap((rs) => {
    const resource = protoAttributes(messages(messages(rs, 1)[0] ?? new Map(), 1));
    return messages(rs, 2).flatMap((ss) =>
      messages(ss, 2).map((s) => ({
        service: String(resource["service.name"]),
        traceId: hex(s, 1),
        spanId: hex(s, 2),
        parentSpanId: hex(s, 4),
        name: text(s, 5),
        kind: KINDS[Number(s.get(6)?.[0] ?? 0)] ?? "unspecified",
        attributes: protoAttributes(messages(s, 9)),
        resource,
      })),
    );
  });
}
export type OtlpReceiver = ReturnType<typeof startOtlpReceiver>;
