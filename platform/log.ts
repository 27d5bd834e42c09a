import { context, trace } from "@opentelemetry/api";
import type { LogLevel } from "./config.ts";
import { writeToStderr, writeToStdout } from "./log-sink.ts";
import { currentRequestId } from "./request-context.ts";

const levels = { debug: 10, info: 20, warn: 30, error: 40, silent: 99 } as const;
type Level = Exclude<keyof typeof levels, "silent">;

/** What the host logs once per request, as the line `"msg":"request"`. */
export type RequestLine = {
  requestId: string;
  method: string;
  path: string;
  status: number;
  /** Time to the response, in milliseconds. */
  ms: number;
  /** While tracing: the request's server span. */
  traceId?: string;
  spanId?: string;
};

export type Logger = Record<Level, (msg: string, fields?: Record<string, unknown>) => void> & {
  /** The request's line at `info`: `info("request", line)`, written for the price of a template. */
  request: (line: RequestLine) => void;
};

/** Where log lines go; stdout and stderr unless a test wants to read them. */
export type LogSink = (level: Level, line: string) => void;

/**
 * stdout for debug and info, buffered: one write per turn of the event loop instead of one per line
 * (a write is a system call, about as costly as building the line). warn and error go to stderr at
 * once, after whatever stdout still holds, so nothing an error explains is left waiting.
 */
const standardStreams: LogSink = (level, line) => {
  if (level === "warn" || level === "error") writeToStderr(line);
  else writeToStdout(line);
};

/** `new Date().toISOString()`, built once per millisecond however many lines share it. */
let isoMs = 0;
let iso = "";
const timestamp = () => {
  const now = Date.now();
  if (now !== isoMs) {
    isoMs = now;
    iso = new Date(now).toISOString();
  }
  return iso;
};

/** Strings JSON writes as they are, between quotes: printable ASCII without `"` and `\\`. */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;
const jsonString = (s: string) => (PLAIN.test(s) ? `"${s}"` : JSON.stringify(s));

const describeErrors = (_key: string, value: unknown) =>
  value instanceof Error ? describeError(value) : value;

/** Only fields holding objects can hold an Error; flat ones skip the replacer, which costs a call per key. */
function hasObjects(fields: Record<string, unknown> | undefined) {
  for (const key in fields) {
    const value = fields[key];
    if (typeof value === "object" && value !== null) return true;
  }
  return false;
}

/**
 * Where a line was written: the request (its id) and, while tracing, the span. A line that names its
 * own request id keeps it; background work has neither.
 */
function whereFrom(): { requestId?: string; traceId?: string; spanId?: string } {
  const requestId = currentRequestId();
  // With tracing off the context manager is the no-op one: this finds nothing, at once.
  const span = trace.getSpan(context.active())?.spanContext();
  if (!span) return requestId ? { requestId } : {};
  return { ...(requestId && { requestId }), traceId: span.traceId, spanId: span.spanId };
}

/**
 * One JSON object per line on stdout (stderr for warn and error): easy to grep, easy to ship. Inside
 * a request or the handling of an event, the line says which: `requestId`, and while tracing,
 * `traceId` and `spanId` (the same ids a trace viewer shows).
 * Pass errors themselves (`{ error }`), never `String(error)` or `error.stack`: any Error in the
 * fields is written through `describeError`, which leaves out the values bound to a failed query.
 * `base` fields go on every line; `mixin` is asked for more fields on each line.
 * @example log.info("request", { requestId, status: 200, ms: 1.2 }); log.error("sweep failed", { error });
 */
export function createLogger(
  level: LogLevel,
  {
    base = {},
    sink = standardStreams,
    mixin,
  }: {
    base?: Record<string, unknown>;
    sink?: LogSink;
    mixin?: () => Record<string, unknown> | undefined;
  } = {},
): Logger {
  const threshold = levels[level];
  const deepBase = hasObjects(base);
  const emit = (lvl: Level) => (msg: string, fields?: Record<string, unknown>) => {
    if (levels[lvl] < threshold) return;
    const extra = mixin?.();
    const record = { t: timestamp(), level: lvl, ...base, msg, ...whereFrom(), ...extra, ...fields };
    const deep = deepBase || hasObjects(fields) || hasObjects(extra);
    sink(lvl, deep ? JSON.stringify(record, describeErrors) : JSON.stringify(record));
  };
  const info = emit("info");
  // A line per request, even the cheapest (a health probe, a stored answer): written from a
  // template, the same fields as `info("request", line)` gives, without its object spreads.
  const baseFields = JSON.stringify(base).slice(1, -1);
  const afterTime = `","level":"info",${baseFields && `${baseFields},`}"msg":"request","requestId":`;
  const request =
    mixin || deepBase
      ? (line: RequestLine) => info("request", line)
      : ({ requestId, method, path, status, ms, traceId, spanId }: RequestLine) => {
          if (levels.info < threshold) return;
          const span =
            traceId && spanId ? `,"traceId":${jsonString(traceId)},"spanId":${jsonString(spanId)}` : "";
          sink(
            "info",
            `{"t":"${timestamp()}${afterTime}${jsonString(requestId)},"method":${jsonString(method)},"path":${jsonString(path)},"status":${status},"ms":${Number.isFinite(ms) ? ms : null}${span}}`,
          );
        };
  return { debug: emit("debug"), info, warn: emit("warn"), error: emit("error"), request };
}

export const silentLogger: Logger = createLogger("silent");

/** What a log line says about an error. */
export type ErrorDescription = {
  type: string;
  message: string;
  /** A Postgres SQLSTATE (`23505`), a Node code (`ECONNREFUSED`) or a domain code. */
  code?: string;
  /** The failed SQL as sent, with `$1`… placeholders: its shape, never the values bound to it. */
  statement?: string;
  /** Names Postgres reports (never values). */
  constraint?: string;
  table?: string;
  column?: string;
  /** The stack frames, without the first line (which repeats the message). */
  stack?: string;
  cause?: ErrorDescription;
};

const MAX_STATEMENT = 2_000;
const MAX_FRAMES = 12;

/**
 * An error as it may be logged: type, message, code, and for a failed query its statement shape and
 * Postgres error code — never the bound parameters. drizzle's `DrizzleQueryError` puts them in its
 * message ("Failed query: … params: …"), and Postgres quotes a value it could not take in its own
 * message (`invalid input syntax for type uuid: "…"`); both are left out or replaced by `$n`.
 * @example log.error("procedure failed", { requestId, error: describeError(error) }) // or just { error }
 */
export function describeError(error: unknown, params: readonly unknown[] = [], depth = 0): ErrorDescription {
  if (typeof error !== "object" || error === null) {
    return { type: typeof error, message: redact(String(error), params) };
  }
  const e = error as Record<string, unknown>;
  const statement = typeof e.query === "string" ? e.query : undefined;
  const bound = Array.isArray(e.params) ? e.params : params;
  const rawMessage = typeof e.message === "string" ? e.message : String(error);
  const description: ErrorDescription = {
    type: typeName(e),
    // drizzle's message is the statement plus every parameter: the statement is kept apart below.
    message: rawMessage.startsWith("Failed query:") ? "query failed" : redact(rawMessage, bound),
  };
  if (typeof e.code === "string" || typeof e.code === "number") description.code = String(e.code);
  if (statement !== undefined) description.statement = statement.slice(0, MAX_STATEMENT);
  for (const name of ["constraint", "table", "column"] as const) {
    if (typeof e[name] === "string") description[name] = e[name];
  }
  if (typeof e.stack === "string") {
    const frames = e.stack
      .split("\n")
      .filter((line) => /^\s+at /.test(line))
      .slice(0, MAX_FRAMES);
    if (frames.length) description.stack = frames.map((f) => f.trim()).join("\n");
  }
  if (e.cause !== undefined && depth < 4) description.cause = describeError(e.cause, bound, depth + 1);
  return description;
}

/** Postgres errors (from pg or PGlite, whose class names are minified) all read as `PostgresError`. */
function typeName(e: Record<string, unknown>): string {
  if (typeof e.severity === "string" && typeof e.code === "string") return "PostgresError";
  if (typeof e.name === "string" && e.name !== "Error") return e.name;
  return e.constructor?.name || "Error";
}

/** Replaces every bound value a message repeats with its placeholder (`$2`). */
function redact(message: string, params: readonly unknown[]): string {
  let redacted = message;
  params.forEach((param, i) => {
    const value =
      typeof param === "string" ? param : param instanceof Date ? param.toISOString() : String(param);
    if (value.length === 0) return;
    // Short values ("1", "EUR") only where Postgres quotes them, so the words around them survive.
    redacted =
      value.length >= 4
        ? redacted.replaceAll(value, `$${i + 1}`)
        : redacted.replaceAll(`"${value}"`, `"$${i + 1}"`);
  });
  return redacted;
}

/**
 * An error in one line, safe to log or store (same rules as `describeError`).
 * @example summarizeError(error) // "DrizzleQueryError: query failed ← PostgresError 23505: duplicate key value violates unique constraint "users_email""
 */
export function summarizeError(error: unknown): string {
  const parts: string[] = [];
  for (let d: ErrorDescription | undefined = describeError(error); d; d = d.cause) {
    parts.push(`${d.type}${d.code ? ` ${d.code}` : ""}: ${d.message}`);
  }
  return parts.join(" ← ").slice(0, 2_000);
}
