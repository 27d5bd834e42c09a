import type { Attributes, AttributeValue, HrTime, SpanKind, SpanStatus } from "@opentelemetry/api";

/** A finished span with nothing but what goes on the wire. Times as the SDK keeps them: [seconds, nanoseconds] since the epoch. */
export type WireSpan = {
  traceId: string;
  spanId: string;
  parentSpanId: string | undefined;
  /** Whether the parent came from a caller (a `traceparent` header) rather than this process. */
  parentIsRemote: boolean;
  traceState: string | undefined;
  traceFlags: number;
  name: string;
  kind: SpanKind;
  start: HrTime;
  end: HrTime;
  attributes: Attributes;
  /**
   * Attributes many spans share, as one object (a stored page's method, path and route): encoded
   * once per object and written before `attributes`, which never repeats one of their keys.
   */
  sharedAttributes?: Attributes;
  /** Left out while unset: set when the work failed (ERROR, with its one-line message). */
  status?: SpanStatus;
};

/** The spans of one resource (one service). */
export type ResourceGroup = { resource: Attributes; spans: readonly WireSpan[] };

/** An OTLP/HTTP trace encoding: one export request from the spans of each resource. */
export type OtlpEncoding = {
  readonly contentType: string;
  request(
    groups: readonly ResourceGroup[],
    scope: { name: string; version?: string },
  ): Uint8Array<ArrayBuffer> | string;
};

// OTLP span flags: the W3C trace flags, and whether the parent's remoteness is known and true.
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;
const flagsOf = (span: WireSpan) =>
  (span.traceFlags & 0xff) | HAS_IS_REMOTE | (span.parentIsRemote ? IS_REMOTE : 0);

/** A time as integer nanoseconds since the epoch. */
const nanos = ([seconds, nanoseconds]: HrTime) => BigInt(seconds) * 1_000_000_000n + BigInt(nanoseconds);

// ——— protobuf (opentelemetry/proto/trace/v1/trace.proto, collector/trace/v1/trace_service.proto) ———

const LEN = 2;
const I64 = 1;
const I32 = 5;
const VARINT = 0;

/** Bytes in the varint of a non-negative safe integer. */
function varintSize(n: number) {
  let size = 1;
  for (; n >= 0x80; size++) n = Math.floor(n / 0x80);
  return size;
}
/** A length-delimited field of `size` bytes with a one-byte key (field numbers below 16). */
const lenFieldSize = (size: number) => 1 + varintSize(size) + size;
const isInt = (v: number) => Number.isSafeInteger(v) && v >= 0;

const TWO_16 = 0x10000;
const TWO_32 = 0x100000000;

/** UTF-8 bytes in `s`. */
function utf8Length(s: string): number {
  let bytes = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) continue;
    if (c < 0x800) bytes += 1;
    else if (c >= 0xd800 && c < 0xdc00 && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      bytes += 2; // a surrogate pair: 4 bytes for 2 UTF-16 units
      i++;
    } else bytes += 2;
  }
  return bytes;
}

const HEX = new Uint8Array(128);
for (let i = 0; i < 16; i++) {
  HEX["0123456789abcdef".charCodeAt(i)] = i;
  HEX["0123456789ABCDEF".charCodeAt(i)] = i;
}

/**
 * An append-only byte buffer with the few protobuf writes OTLP needs. Plain JavaScript on a
 * Uint8Array: a call into Bun's native `Buffer` methods costs more than writing a short string.
 */
class ProtoWriter {
  private buf = new Uint8Array(1024);
  private at = 0;

  private room(n: number) {
    if (this.at + n <= this.buf.length) return;
    const bigger = new Uint8Array(Math.max(this.buf.length * 2, this.at + n));
    bigger.set(this.buf.subarray(0, this.at));
    this.buf = bigger;
  }
  varint(n: number) {
    this.room(10);
    while (n >= 0x80) {
      this.buf[this.at++] = (n % 0x80) | 0x80;
      n = Math.floor(n / 0x80);
    }
    this.buf[this.at++] = n;
  }
  key(field: number, wire: number) {
    this.varint(field * 8 + wire);
  }
  /** A length-delimited field's key and length; its `size` bytes must follow. */
  open(field: number, size: number) {
    this.key(field, LEN);
    this.varint(size);
  }
  string(field: number, value: string, size = utf8Length(value)) {
    this.open(field, size);
    this.room(size);
    const buf = this.buf;
    let at = this.at;
    for (let i = 0; i < value.length; i++) {
      let c = value.charCodeAt(i);
      if (c < 0x80) buf[at++] = c;
      else if (c < 0x800) {
        buf[at++] = 0xc0 | (c >> 6);
        buf[at++] = 0x80 | (c & 0x3f);
      } else {
        const next = value.charCodeAt(i + 1);
        if (c >= 0xd800 && c < 0xdc00 && next >= 0xdc00 && next < 0xe000) {
          c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
          i++;
          buf[at++] = 0xf0 | (c >> 18);
          buf[at++] = 0x80 | ((c >> 12) & 0x3f);
        } else {
          if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate, as TextEncoder writes it
          buf[at++] = 0xe0 | (c >> 12);
        }
        buf[at++] = 0x80 | ((c >> 6) & 0x3f);
        buf[at++] = 0x80 | (c & 0x3f);
      }
    }
    this.at = at;
  }
  hexBytes(field: number, hex: string) {
    const size = hex.length >> 1;
    this.open(field, size);
    this.room(size);
    for (let i = 0; i < size; i++)
      this.buf[this.at++] = (HEX[hex.charCodeAt(2 * i)]! << 4) | HEX[hex.charCodeAt(2 * i + 1)]!;
  }
  private uint32(value: number) {
    this.room(4);
    this.buf[this.at++] = value & 0xff;
    this.buf[this.at++] = (value >>> 8) & 0xff;
    this.buf[this.at++] = (value >>> 16) & 0xff;
    this.buf[this.at++] = (value >>> 24) & 0xff;
  }
  /** A time as fixed64 nanoseconds since the epoch, without BigInt. */
  nanos(field: number, [seconds, nanoseconds]: HrTime) {
    // seconds × 10⁹ + nanoseconds in two 32-bit halves, every partial product exact in a double.
    const upper = Math.floor(seconds / TWO_16) * 1e9;
    const lower = (seconds % TWO_16) * 1e9 + nanoseconds + (upper % TWO_16) * TWO_16;
    this.key(field, I64);
    this.uint32(lower % TWO_32);
    this.uint32(Math.floor(upper / TWO_16) + Math.floor(lower / TWO_32));
  }
  fixed32(field: number, value: number) {
    this.key(field, I32);
    this.uint32(value);
  }
  double(field: number, value: number) {
    this.key(field, I64);
    this.room(8);
    new DataView(this.buf.buffer).setFloat64(this.at, value, true);
    this.at += 8;
  }
  int64(field: number, value: number) {
    this.key(field, VARINT);
    if (isInt(value)) {
      this.varint(value);
      return;
    }
    // Negative: ten bytes of two's complement.
    let n = BigInt.asUintN(64, BigInt(value));
    this.room(10);
    while (n >= 0x80n) {
      this.buf[this.at++] = Number(n & 0x7fn) | 0x80;
      n >>= 7n;
    }
    this.buf[this.at++] = Number(n);
  }
  bytes(value: Uint8Array) {
    this.room(value.length);
    // A short copy is cheaper in JavaScript than through the native `set`.
    if (value.length > 64) this.buf.set(value, this.at);
    else for (let i = 0; i < value.length; i++) this.buf[this.at + i] = value[i]!;
    this.at += value.length;
  }
  /**
   * A length-delimited field whose size is not known yet: its key, and two bytes kept for the length
   * (any size from 128 bytes to 16 KiB). Returns where the length goes, for `close`.
   */
  openUnsized(field: number) {
    this.key(field, LEN);
    this.room(2);
    this.at += 2;
    return this.at;
  }
  /** Writes the length of the field opened at `start`; moves its bytes when it needs other than two. */
  close(start: number) {
    const size = this.at - start;
    const lengthBytes = varintSize(size);
    if (lengthBytes !== 2) {
      this.room(lengthBytes - 2);
      this.buf.copyWithin(start - 2 + lengthBytes, start, this.at);
      this.at += lengthBytes - 2;
    }
    const end = this.at;
    this.at = start - 2;
    this.varint(size);
    this.at = end;
  }
  get length() {
    return this.at;
  }
  /** What was written so far, not copied: valid until the next write. */
  view(): Uint8Array {
    return this.buf.subarray(0, this.at);
  }
  reset() {
    this.at = 0;
  }
  /** What was written, copied out; the writer starts over. */
  take(): Uint8Array<ArrayBuffer> {
    const out = this.buf.slice(0, this.at);
    this.at = 0;
    return out;
  }
}

type Scalar = string | number | boolean;

/** AnyValue's size: 1 string, 2 bool, 3 int, 4 double, 5 array. */
function anyValueSize(value: AttributeValue | Scalar | null | undefined): number {
  if (typeof value === "string") return lenFieldSize(utf8Length(value));
  if (typeof value === "boolean") return 2;
  if (typeof value === "number")
    return Number.isSafeInteger(value) ? 1 + (value < 0 ? 10 : varintSize(value)) : 9;
  if (Array.isArray(value)) return lenFieldSize(arrayValueSize(value));
  return 0; // null in an array: an empty AnyValue
}
const arrayValueSize = (values: readonly unknown[]) =>
  values.reduce<number>((size, v) => size + lenFieldSize(anyValueSize(v as Scalar)), 0);

function writeAnyValue(w: ProtoWriter, value: AttributeValue | Scalar | null | undefined) {
  if (typeof value === "string") w.string(1, value);
  else if (typeof value === "boolean") {
    w.key(2, VARINT);
    w.varint(value ? 1 : 0);
  } else if (typeof value === "number") {
    if (Number.isSafeInteger(value)) w.int64(3, value);
    else w.double(4, value);
  } else if (Array.isArray(value)) {
    w.open(5, arrayValueSize(value));
    for (const v of value) {
      w.open(1, anyValueSize(v));
      writeAnyValue(w, v);
    }
  }
}

/** One KeyValue (1 key, 2 value) as repeated field `field`. */
function writeAttribute(w: ProtoWriter, field: number, key: string, value: AttributeValue) {
  const keySize = utf8Length(key);
  const valueSize = anyValueSize(value);
  w.open(field, lenFieldSize(keySize) + lenFieldSize(valueSize));
  w.string(1, key, keySize);
  w.open(2, valueSize);
  writeAnyValue(w, value);
}

/** A KeyValue per attribute, as repeated field `field`. */
function writeAttributes(w: ProtoWriter, field: number, attributes: Attributes) {
  for (const key in attributes) {
    const value = attributes[key];
    if (value !== undefined) writeAttribute(w, field, key, value);
  }
}

/**
 * Encoded attributes, kept per key and value: a stored answer's attributes mostly repeat from one
 * request to the next (the method, the route, the page's path, the status). A key stops being kept
 * once it has had `perKey` values (a request id never repeats); at most `keys` keys are kept.
 */
function encodedAttributes(field: number, { perKey = 256, keys = 64 } = {}) {
  const byKey = new Map<string, Map<string | number | boolean, Uint8Array> | null>();
  return (w: ProtoWriter, attributes: Attributes) => {
    for (const key in attributes) {
      const value = attributes[key];
      if (value === undefined) continue;
      let values = byKey.get(key);
      if (values === undefined && byKey.size < keys) {
        values = new Map();
        byKey.set(key, values);
      }
      if (!values || Array.isArray(value)) {
        writeAttribute(w, field, key, value);
        continue;
      }
      const scalar = value as string | number | boolean;
      let bytes = values.get(scalar);
      if (bytes === undefined) {
        if (values.size >= perKey) {
          byKey.set(key, null);
          writeAttribute(w, field, key, value);
          continue;
        }
        bytes = protobufMessage((kv) => writeAttribute(kv, field, key, value));
        values.set(scalar, bytes);
      }
      w.bytes(bytes);
    }
  };
}

/** Attributes shared by many spans, encoded once per object (`WireSpan.sharedAttributes`). */
function encodedSharedAttributes(field: number) {
  const encoded = new WeakMap<Attributes, Uint8Array>();
  return (w: ProtoWriter, attributes: Attributes) => {
    let bytes = encoded.get(attributes);
    if (bytes === undefined) {
      bytes = protobufMessage((kv) => writeAttributes(kv, field, attributes));
      encoded.set(attributes, bytes);
    }
    w.bytes(bytes);
  };
}

function protobufMessage(write: (w: ProtoWriter) => void): Uint8Array<ArrayBuffer> {
  const w = new ProtoWriter();
  write(w);
  return w.take();
}

/** Span fields 10, 12 and 14 (dropped attributes, events, links) at 0; 15, the status, with code (3) unset. */
const NOTHING_DROPPED_STATUS_UNSET = Uint8Array.of(0x50, 0, 0x60, 0, 0x70, 0, 0x7a, 2, 0x18, 0);
const NOTHING_DROPPED = NOTHING_DROPPED_STATUS_UNSET.subarray(0, 6);

/** Span field 15, a status that is set: 2 its message (if any), 3 its code. */
function writeStatus(w: ProtoWriter, { code, message }: SpanStatus) {
  const messageSize = message ? utf8Length(message) : 0;
  w.open(15, (message ? lenFieldSize(messageSize) : 0) + 1 + varintSize(code));
  if (message) w.string(2, message, messageSize);
  w.key(3, VARINT);
  w.varint(code);
}

/**
 * OTLP/HTTP protobuf (`application/x-protobuf`), the default of OTEL_EXPORTER_OTLP_PROTOCOL. Byte for
 * byte what the SDK's serializer writes; spans are encoded when their batch is sent, in one loop.
 */
export function protobufEncoding(): OtlpEncoding {
  const spans = new ProtoWriter();
  const spanAttributes = encodedAttributes(9);
  const sharedAttributes = encodedSharedAttributes(9);

  function writeSpan(w: ProtoWriter, s: WireSpan) {
    // Span: 1 trace_id, 2 span_id, 3 trace_state, 4 parent_span_id, 5 name, 6 kind, 7 start,
    // 8 end, 9 attributes, …, 16 flags; the fields in the order the SDK writes them.
    w.hexBytes(1, s.traceId);
    w.hexBytes(2, s.spanId);
    if (s.traceState) w.string(3, s.traceState);
    if (s.parentSpanId) w.hexBytes(4, s.parentSpanId);
    w.string(5, s.name);
    w.key(6, VARINT);
    w.varint(s.kind + 1);
    w.nanos(7, s.start);
    w.nanos(8, s.end);
    if (s.sharedAttributes) sharedAttributes(w, s.sharedAttributes);
    spanAttributes(w, s.attributes);
    if (s.status?.code) {
      w.bytes(NOTHING_DROPPED);
      writeStatus(w, s.status);
    } else w.bytes(NOTHING_DROPPED_STATUS_UNSET);
    w.fixed32(16, flagsOf(s));
  }

  return {
    contentType: "application/x-protobuf",
    request(groups, scope) {
      const scopeBytes = protobufMessage((w) => {
        w.string(1, scope.name);
        if (scope.version) w.string(2, scope.version);
      });
      return protobufMessage((w) => {
        for (const group of groups) {
          const resource = protobufMessage((r) => {
            writeAttributes(r, 1, group.resource);
            r.key(2, VARINT); // dropped attributes: none
            r.varint(0);
          });
          spans.reset();
          for (const s of group.spans) {
            const start = spans.openUnsized(2);
            writeSpan(spans, s);
            spans.close(start);
          }
          const scopeSpansSize = lenFieldSize(scopeBytes.length) + spans.length;
          // ExportTraceServiceRequest.resource_spans (1) → ResourceSpans: 1 resource, 2 scope_spans
          // → ScopeSpans: 1 scope, 2 spans.
          w.open(1, lenFieldSize(resource.length) + lenFieldSize(scopeSpansSize));
          w.open(1, resource.length);
          w.bytes(resource);
          w.open(2, scopeSpansSize);
          w.open(1, scopeBytes.length);
          w.bytes(scopeBytes);
          w.bytes(spans.view());
        }
      });
    },
  };
}

// ——— JSON (the protobuf JSON mapping OTLP/HTTP specifies: ids in hex, enums as numbers) ———

type JsonAnyValue =
  | { stringValue: string }
  | { boolValue: boolean }
  | { intValue: number }
  | { doubleValue: number }
  | { arrayValue: { values: JsonAnyValue[] } }
  | Record<string, never>;

function jsonAnyValue(value: unknown): JsonAnyValue {
  if (typeof value === "string") return { stringValue: value };
  if (typeof value === "boolean") return { boolValue: value };
  if (typeof value === "number")
    return Number.isSafeInteger(value) ? { intValue: value } : { doubleValue: value };
  if (Array.isArray(value)) return { arrayValue: { values: value.map(jsonAnyValue) } };
  return {};
}

const jsonAttributes = (attributes: Attributes) =>
  Object.entries(attributes)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => ({ key, value: jsonAnyValue(value) }));

/** OTLP/HTTP JSON (`application/json`), for OTEL_EXPORTER_OTLP_PROTOCOL=http/json. */
export function jsonEncoding(): OtlpEncoding {
  const spanJson = (span: WireSpan) =>
    JSON.stringify({
      traceId: span.traceId,
      spanId: span.spanId,
      ...(span.parentSpanId && { parentSpanId: span.parentSpanId }),
      ...(span.traceState && { traceState: span.traceState }),
      name: span.name,
      kind: span.kind + 1,
      startTimeUnixNano: String(nanos(span.start)),
      endTimeUnixNano: String(nanos(span.end)),
      attributes: span.sharedAttributes
        ? [...jsonAttributes(span.sharedAttributes), ...jsonAttributes(span.attributes)]
        : jsonAttributes(span.attributes),
      droppedAttributesCount: 0,
      events: [],
      droppedEventsCount: 0,
      status: span.status ? { code: span.status.code, message: span.status.message } : { code: 0 },
      links: [],
      droppedLinksCount: 0,
      flags: flagsOf(span),
    });
  return {
    contentType: "application/json",
    request(groups, scope) {
      const scopeJson = JSON.stringify(scope);
      const resourceSpans = groups.map(
        (group) =>
          `{"resource":${JSON.stringify({ attributes: jsonAttributes(group.resource), droppedAttributesCount: 0 })},"scopeSpans":[{"scope":${scopeJson},"spans":[${group.spans.map(spanJson).join(",")}]}]}`,
      );
      return `{"resourceSpans":[${resourceSpans.join(",")}]}`;
    },
  };
}
