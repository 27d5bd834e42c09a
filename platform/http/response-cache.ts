import type { MiddlewareHandler } from "hono";
import type { Cache } from "../cache/port.ts";
import { requestScope } from "../request-context.ts";
import type { CorsForAnswer } from "./cors.ts";
import { answerAgain, hostHeaders, hostResponse } from "./host-headers.ts";
import { lastWriteOf } from "./last-write.ts";
import { mediaType } from "./media-type.ts";
import { rawPathOf } from "./raw-path.ts";

export type ResponseCacheOptions = {
  cache: Cache;
  ttlMs: number;
  /** Query procedures whose answer depends only on the URL, e.g. `/api/product/trpc/list`. */
  paths: readonly string[];
  /**
   * Part of every key: changing it (on any write) makes every stored response unreachable. It gets
   * the caller's last write position (ADR 014), which the answer must include. A generation held in
   * memory may be returned as a plain string (no await on the hot path).
   */
  generation: (minLsn: string | undefined) => string | Promise<string>;
  /**
   * Per procedure path, how a stored result of that procedure is brought up to date whenever it is
   * served again: for answers holding a part that changes more often than the generation (the units
   * left on a product page). When a step fails, the request is answered afresh.
   */
  freshen?: Readonly<Record<string, Freshen>>;
  /** Batches of more calls than this are refused by the host before this cache (`maxBatchSize`). */
  maxBatchSize?: number;
};

/**
 * How a stored result's live part is kept current. Both take the result's `data` as the transformer
 * encoded it, and the caller's last write position.
 */
export type Freshen = {
  /**
   * The version of the live part now (a stock version, say): while it stays the same, the result
   * brought up to date last time is served again as it was, without decoding or encoding anything.
   */
  version: (data: unknown, minLsn: string | undefined) => string | Promise<string>;
  /** The result with its live part as it is now (read after `version`, so at least as new). */
  apply: (data: unknown, minLsn: string | undefined) => Promise<unknown>;
};

/**
 * A stored answer as served: its body, brought up to date, and the `Vary` it was stored with. `bytes`
 * is the body in UTF-8, made once: a held answer is served many times, and Bun encodes a string body
 * on every response (2–3 µs of a 6.5 kB catalog page), while a Blob's bytes are sent as they are.
 */
export type StoredAnswer = { body: string; bytes: Blob; vary: string };
/** A cache key, its stored answer (null: a miss), and the path it is for. */
type Lookup = { key: string; answer: StoredAnswer | null; path: string };
/** A GET's URL as the early answer reads it: its decoded key and raw path; null when it may not answer it. */
type EarlyUrl = { path: string; urlKey: { batch: boolean; key: string } } | null;

/**
 * The query parameters tRPC's fetch adapter reads. `batch` and `input` are the key; any other one
 * (`connectionParams`, `lastEventId`, or something a later tRPC learns to read) means a request the
 * cache does not understand, so it is passed through untouched.
 */
const KEY_PARAMS = new Set(["batch", "input"]);
/** Request headers a stored plain-JSON response may vary on, because `plainRequest` pins them. */
const PINNED_VARY = new Set(["trpc-accept", "accept"]);

/**
 * Whether tRPC would answer this request with the plain JSON representation. tRPC streams JSONL
 * (`httpBatchStreamLink`) when `trpc-accept` says so or `Accept` lists `application/jsonl`; the cache
 * steps aside for any `trpc-accept` at all and any JSONL mention in `Accept`, and for GETs carrying
 * a body type (tRPC picks its body parser by Content-Type).
 */
function plainRequest(headers: Headers) {
  return (
    !headers.has("trpc-accept") &&
    !headers.has("content-type") &&
    !headers.get("accept")?.toLowerCase().includes("application/jsonl")
  );
}

const HIT = { "content-type": "application/json", "x-cache": "hit" };
const NO_CORS: CorsForAnswer = { headers: {}, varyOrigin: false };
/** A hit's headers, prebuilt per stored `Vary` value and CORS answer (a few of each). */
const hitHeadersBy = new Map<string, Headers>();
const hitHeaders = (vary: string, cors: CorsForAnswer = NO_CORS) => {
  const origin = cors.headers["Access-Control-Allow-Origin"] ?? "";
  const id = `${vary}\n${cors.varyOrigin}\n${origin}`;
  let headers = hitHeadersBy.get(id);
  if (!headers) {
    const varies = [vary, cors.varyOrigin ? "Origin" : ""].filter(Boolean).join(", ");
    headers = hostHeaders({ ...HIT, ...cors.headers, ...(varies && { vary: varies }) });
    if (hitHeadersBy.size < 64) hitHeadersBy.set(id, headers);
  }
  return headers;
};

/** Each stored answer as a Response with the CORS answer it was last given, copied for every hit. */
const prototypes = new WeakMap<StoredAnswer, { cors: CorsForAnswer; response: Response }>();

/**
 * A hit as the host answers it without running its middleware: the security headers, the request
 * id, and what `apiCors` would have added (`cors`). It is a copy of a Response made once per stored
 * answer and CORS answer: cheaper than a new Response and Headers (0.46 against 0.83 µs in a loop).
 */
export function hitResponse(answer: StoredAnswer, cors: CorsForAnswer, requestId: string) {
  let prototype = prototypes.get(answer);
  // A CORS answer is one object per allowed origin (cors.ts), and a stored answer keeps its Vary.
  if (prototype?.cors !== cors) {
    const headers = hitHeaders(answer.vary, cors);
    prototype = { cors, response: new Response(answer.bytes, { status: 200, headers }) };
    prototypes.set(answer, prototype);
  }
  return answerAgain(prototype.response, requestId);
}

/** The cache key: the decoded procedure path, whether it is a batch, and the input; null = do not cache. */
function keyOf(path: string, url: string) {
  const q = url.indexOf("?");
  const query = q === -1 ? "" : url.slice(q + 1);
  const params = plainKeyParams(query) ?? keyParams(new URLSearchParams(query));
  if (params === null) return null;
  const { batch, input } = params;
  return { batch, key: `${path}\n${batch ? "batch" : "single"}\n${input}` };
}

type KeyParams = { batch: boolean; input: string } | null;

/** `batch` and `input` as tRPC reads them; null when any other parameter, or one twice, is there. */
function keyParams(params: URLSearchParams): KeyParams {
  const seen = new Set<string>();
  for (const name of params.keys()) {
    if (!KEY_PARAMS.has(name) || seen.has(name)) return null;
    seen.add(name);
  }
  return { batch: params.get("batch") === "1", input: params.get("input") ?? "" };
}

/**
 * `keyParams` without building a URLSearchParams, for a query as clients write it (`batch=1&input=…`);
 * undefined when the query needs the general parser to be read the same way (a `+`, an encoded name,
 * a malformed escape).
 */
function plainKeyParams(query: string): KeyParams | undefined {
  if (query.includes("+")) return undefined;
  let batch: string | undefined;
  let input: string | undefined;
  for (const part of query.split("&")) {
    if (part === "") continue;
    const eq = part.indexOf("=");
    const name = eq === -1 ? part : part.slice(0, eq);
    if (name !== "batch" && name !== "input") return name.includes("%") ? undefined : null;
    if ((name === "batch" ? batch : input) !== undefined) return null;
    let value = eq === -1 ? "" : part.slice(eq + 1);
    if (value.includes("%")) {
      try {
        value = decodeURIComponent(value);
      } catch {
        return undefined;
      }
    }
    if (name === "batch") batch = value;
    else input = value;
  }
  return { batch: batch === "1", input: input ?? "" };
}

/** Whether a response may be replayed to every plain request with the same key. */
function storable(res: Response) {
  if (res.status !== 200) return false;
  const headers = res.headers;
  if (mediaType(headers.get("content-type")) !== "application/json") return false;
  if (headers.has("set-cookie") || headers.has("transfer-encoding")) return false;
  if (/no-store|private/i.test(headers.get("cache-control") ?? "")) return false;
  const vary = headers.get("vary");
  return (
    !vary ||
    vary
      .split(",")
      .map((h) => h.trim().toLowerCase())
      .every((h) => PINNED_VARY.has(h))
  );
}

/**
 * Answers repeat GETs of public queries with the bytes of an earlier plain JSON 200, before tRPC
 * parses, validates, resolves or serializes anything. Batched URLs (`/list,categories`) qualify when
 * every procedure in them does. Only what a plain request gets is stored and served: a request asking
 * for another representation (JSONL streaming) or carrying parameters the key does not cover passes
 * through, and a response that is not plain JSON, sets a cookie, or varies on a header the key does
 * not pin is never stored. Errors are never stored.
 * @example app.use("/api/*", responseCache({ cache, ttlMs: 300_000, paths: ["/api/product/trpc/list"], generation }));
 */
export function responseCache(options: ResponseCacheOptions) {
  const byBase = new Map<string, Set<string>>();
  for (const path of options.paths) {
    const slash = path.lastIndexOf("/");
    const base = path.slice(0, slash);
    byBase.set(base, (byBase.get(base) ?? new Set()).add(path.slice(slash + 1)));
  }
  /** A cacheable path: how many procedures it calls, and their freshen steps (null: none has one). */
  type Route = { calls: number; steps: readonly (Freshen | undefined)[] | null };
  const routes = new Map<string, Route | null>();
  // Hono's path is decoded except for reserved characters, so `%2C` never splits into procedures here
  // (and such a URL is simply not cached).
  const routeOf = (path: string): Route | null => {
    let route = routes.get(path);
    if (route !== undefined) return route;
    const slash = path.lastIndexOf("/");
    const base = path.slice(0, slash);
    const procedures = byBase.get(base);
    const calls = path.slice(slash + 1).split(",");
    route = null;
    if (procedures && calls.every((p) => procedures.has(p))) {
      const steps = calls.map((procedure) => options.freshen?.[`${base}/${procedure}`]);
      route = { calls: calls.length, steps: steps.some((step) => step !== undefined) ? steps : null };
    }
    if (routes.size < 1_000) routes.set(path, route); // paths come from requests: remember a bounded few
    return route;
  };
  const cacheable = (path: string, maxCalls = Number.POSITIVE_INFINITY) => {
    const route = routeOf(path);
    return route !== null && route.calls <= maxCalls;
  };

  /** Per cache key, a stored body decoded once and the body last brought up to date, at its versions. */
  type Freshened = { stored: string; results: Result[]; versions: string[]; body: string | null };
  type Result = { result: { data: unknown } };
  const lastFreshened = new Map<string, Freshened>();
  const remember = (key: string, entry: Freshened) => {
    if (lastFreshened.size >= 500) lastFreshened.delete(lastFreshened.keys().next().value as string);
    lastFreshened.set(key, entry);
  };

  /**
   * The stored body with every result of a freshened procedure brought up to date, or null when one
   * cannot be. tRPC answers one procedure with `{ result: { data } }` and a batch with an array of them.
   */
  const freshened = async (
    key: string,
    path: string,
    batch: boolean,
    stored: string,
    minLsn: string | undefined,
  ): Promise<string | null> => {
    const steps = routeOf(path)?.steps;
    if (!steps) return stored;
    try {
      let entry = lastFreshened.get(key);
      if (entry?.stored !== stored) {
        const parsed = JSON.parse(stored);
        const results: Result[] = batch ? parsed : [parsed];
        if (results.length !== steps.length) return null;
        entry = { stored, results, versions: [], body: null };
        remember(key, entry);
      }
      const { results } = entry;
      const versions = await Promise.all(
        steps.map((step, i) => step?.version(results[i]!.result.data, minLsn) ?? ""),
      );
      if (entry.body !== null && versions.every((v, i) => v === entry.versions[i])) return entry.body;
      const fresh = await Promise.all(
        results.map(async (item, i) => {
          const step = steps[i];
          return step
            ? { ...item, result: { ...item.result, data: await step.apply(item.result.data, minLsn) } }
            : item;
        }),
      );
      const body = JSON.stringify(batch ? fresh : fresh[0]);
      Object.assign(entry, { versions, body });
      return body;
    } catch {
      return null;
    }
  };

  /** The key of a GET of cached procedures at `path` (decoded), and its stored answer (null: a miss). */
  const lookup = async (
    path: string,
    urlKey: { batch: boolean; key: string },
    minLsn: string | undefined,
  ): Promise<Lookup & { generation: string }> => {
    // Read before any answer is made: a write committing meanwhile leaves what is stored unreachable.
    const current = options.generation(minLsn);
    const generation = typeof current === "string" ? current : await current;
    const key = `http:${generation}:${urlKey.key}`;
    const hit = await options.cache.get(key);
    if (hit === null) return { key, answer: null, path, generation };
    // Stored as "<Vary>\n<body>": the header is part of the answer a client should see.
    const newline = hit.indexOf("\n");
    const body = await freshened(key, path, urlKey.batch, hit.slice(newline + 1), minLsn);
    const answer = body === null ? null : { body, bytes: new Blob([body]), vary: hit.slice(0, newline) };
    return { key, answer, path, generation };
  };

  /**
   * Per URL, the early answer given last to a caller without a write position, at the generation it
   * was stored under. A key naming its generation never gets another answer, so while the generation
   * held in memory is the same (and the freshened parts' versions too) this answer is served again as
   * it is: no key built, no cache read, no promise.
   */
  type Held = {
    generation: string;
    lookup: Lookup;
    until: number;
    freshened: Freshened | undefined;
    /** The cache's `dropped()` when it was held: once the cache drops anything, it is looked up again. */
    dropped: number | undefined;
  };
  const held = new Map<string, Held>();
  const hold = (url: string, entry: Held) => {
    if (held.size >= 1_000) held.delete(held.keys().next().value as string); // URLs come from requests
    held.set(url, entry);
  };
  /** The held answer to `url` if it is still the one a lookup would find, else undefined. */
  const heldAnswer = (url: string, path: string): Lookup | undefined => {
    const entry = held.get(url);
    if (entry === undefined || performance.now() > entry.until) return undefined;
    if (options.generation(undefined) !== entry.generation) return undefined;
    // A held answer is a copy of the cache's entry, not more: what the cache drops (for room, say), it drops.
    if (options.cache.dropped?.() !== entry.dropped) return undefined;
    const steps = routeOf(path)?.steps;
    if (!steps) return entry.lookup;
    const fresh = entry.freshened;
    if (fresh === undefined || fresh.body !== entry.lookup.answer?.body) return undefined;
    try {
      for (let i = 0; i < steps.length; i++) {
        const version = steps[i]?.version(fresh.results[i]!.result.data, undefined) ?? "";
        if (version !== fresh.versions[i]) return undefined; // changed, or not known without waiting
      }
    } catch {
      return undefined; // the lookup answers afresh
    }
    return entry.lookup;
  };
  /** `lookup` for a caller without a write position, holding what it found for `url`. */
  const lookupAndHold = async (url: string, early: NonNullable<EarlyUrl>): Promise<Lookup> => {
    const dropped = options.cache.dropped?.();
    const found = await lookup(early.path, early.urlKey, undefined);
    if (found.answer !== null)
      hold(url, {
        generation: found.generation,
        lookup: found,
        until: performance.now() + options.ttlMs,
        freshened: lastFreshened.get(found.key),
        dropped,
      });
    return found;
  };

  const middleware: MiddlewareHandler<{ Variables: { requestId?: string } }> = async (c, next) => {
    if (c.req.method !== "GET" || !cacheable(c.req.path) || !plainRequest(c.req.raw.headers)) return next();
    const urlKey = keyOf(c.req.path, c.req.url);
    if (urlKey === null) return next();
    const { key, answer } = await lookup(c.req.path, urlKey, requestScope()?.minLsn);
    if (answer !== null) {
      const requestId = c.get("requestId");
      if (requestId) return hostResponse(answer.bytes, 200, hitHeaders(answer.vary), requestId);
      return c.body(answer.body, 200, { ...HIT, ...(answer.vary && { vary: answer.vary }) });
    }
    await next();
    if (storable(c.res)) {
      const body = await c.res.clone().text();
      await options.cache.set(key, `${c.res.headers.get("vary") ?? ""}\n${body}`, options.ttlMs);
      c.header("x-cache", "miss");
    }
  };

  /** How the early answer reads each URL, remembered for a bounded few (URLs come from requests). */
  const earlyUrls = new Map<string, EarlyUrl>();
  const earlyUrlOf = (url: string): EarlyUrl => {
    let early = earlyUrls.get(url);
    if (early !== undefined) return early;
    const path = rawPathOf(url);
    const urlKey = path.includes("%") || !cacheable(path, options.maxBatchSize) ? null : keyOf(path, url);
    early = urlKey === null ? null : { path, urlKey };
    if (earlyUrls.size >= 1_000) earlyUrls.delete(earlyUrls.keys().next().value as string);
    earlyUrls.set(url, early);
    return early;
  };

  /**
   * The stored answer to `request` for a host answering before any middleware runs — at once when
   * the answer given last to the same URL still holds, else a promise of it — or null when the
   * request is not one it may answer that early: anything but a plain GET of cached procedures on a
   * path needing no decoding, without a body, and within the batch limit. Those, and misses, go
   * through the middleware chain as before.
   */
  const early = (request: Request): Lookup | Promise<Lookup> | null => {
    if (request.method !== "GET") return null;
    const url = request.url;
    const parsed = earlyUrlOf(url);
    if (parsed === null) return null;
    const headers = request.headers;
    if (!plainRequest(headers) || headers.has("content-length") || headers.has("transfer-encoding"))
      return null;
    const minLsn = lastWriteOf(headers);
    if (minLsn !== undefined) return lookup(parsed.path, parsed.urlKey, minLsn);
    return heldAnswer(url, parsed.path) ?? lookupAndHold(url, parsed);
  };

  return Object.assign(middleware, { early });
}
