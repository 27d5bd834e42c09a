import type { AnyRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getConnInfo } from "hono/bun";
import { setCookie } from "hono/cookie";
import { newId } from "../ids.ts";
import type { Logger } from "../log.ts";
import type { ProcedureMetrics } from "../metrics/procedures.ts";
import { LSN_COOKIE, LSN_HEADER, withRequestScope } from "../request-context.ts";
import { traceEarlyAnswer, traceRequest } from "../telemetry/http.ts";
import { currentSpanContext } from "../telemetry/spans.ts";
import { apiCors, corsForAnswers } from "./cors.ts";
import { errorResponse } from "./error-body.ts";
import { type RequestOrigin, requestOrigin } from "./forwarded.ts";
import { addHostHeaders, answerAgain, hostHeaders, hostResponse, TRPC_BASE_HEADERS } from "./host-headers.ts";
import { lastWriteOf } from "./last-write.ts";
import { rawPathOf } from "./raw-path.ts";
import {
  hitResponse,
  type ResponseCacheOptions,
  responseCache,
  type StoredAnswer,
} from "./response-cache.ts";
import { trpcRequestGuard } from "./trpc-request-guard.ts";

/** `/api/<service>/trpc/…` belongs to `service`. */
const SERVICE_OF_PATH = /^\/api\/([a-z]+)\/trpc\//;
/** The request's id, and where it came from: resolved on first use (most calls never ask). */
export type RequestMeta = { requestId: string; origin: () => RequestOrigin };

export type HostOptions = {
  /** Each router is served at `/api/<name>/trpc/<procedure>`. */
  routers: Record<string, AnyRouter>;
  createContext: (req: Request, resHeaders: Headers, meta: RequestMeta) => unknown;
  log: Logger;
  maxBodyBytes: number;
  /** Procedure calls one batched request may carry (default 10). */
  maxBatchSize?: number;
  /**
   * How many proxies you run in front of the host (`true` = 1): client address, scheme and host are
   * read from X-Forwarded-* at the position those proxies wrote. 0/false: the socket and Host only.
   */
  trustProxy: boolean | number;
  /** Origins (besides the shop's own) whose scripts may call the API: they get CORS with credentials. */
  corsOrigins?: readonly string[];
  /** Throws when a dependency is down; /readyz answers 503 then. */
  ready: () => Promise<void>;
  /**
   * The database's write position after a request changed something (Postgres with a replica):
   * sent back as `x-fastr-lsn` and the `fastr_lsn` cookie, so the caller's next reads may only use a
   * replica that has replayed that far (read-your-writes).
   */
  writePosition?: () => Promise<string>;
  /** Public queries answered from stored responses (see responseCache). */
  responseCache?: Omit<ResponseCacheOptions, "maxBatchSize">;
  /** Counts and times every procedure call (see platform/metrics). */
  metrics?: ProcedureMetrics;
};

type EarlySpan = ReturnType<typeof traceEarlyAnswer>;

export type HostEnv = { Variables: { requestId: string } };
type Env = HostEnv;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
const JSON_HEADERS = hostHeaders({ "content-type": "application/json" });
const HEALTHY = JSON.stringify({ status: "ok" });
const HEALTHY_ANSWER = new Response(HEALTHY, { status: 200, headers: JSON_HEADERS });
const DEFAULT_MAX_BATCH_SIZE = 10;
/** Read by the patched tRPC only (ADR 180): its answers start with the host's headers, copied at once. */
const PATCHED_TRPC_OPTIONS = { baseHeaders: TRPC_BASE_HEADERS };

function socketAddress(c: Context<Env>) {
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

/**
 * The Hono app every shape serves: request ids, one JSON log line per request, security headers
 * (host-headers.ts), CORS for configured origins, request rules (methods, JSON bodies, batch size, body limit), health
 * and readiness, and each service's tRPC router under `/api/<name>/trpc`.
 * @example const host = createHost({ routers: serviceRouters, createContext, log, maxBodyBytes, trustProxy: false, ready });
 *          Bun.serve({ port: 3000, fetch: host.app.fetch });
 */
export function createHost(options: HostOptions) {
  const app = new Hono<Env>();
  const proxyHops = Number(options.trustProxy);
  const maxBatchSize = options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE;
  let draining = false;
  const requestIdOf = (given: string | null) => (given && REQUEST_ID.test(given) ? given : newId());
  const logRequest = (
    requestId: string,
    method: string,
    path: string,
    status: number,
    started: number,
    span: { traceId: string; spanId: string } | undefined,
  ) => {
    const ms = Math.round((performance.now() - started) * 100) / 100;
    options.log.request({
      requestId,
      method,
      path,
      status,
      ms,
      traceId: span?.traceId,
      spanId: span?.spanId,
    });
  };

  // Outermost: the request's server span holds everything below, its log line included.
  const services = new Set(Object.keys(options.routers));
  app.use((c, next) => traceRequest(c, services, next));

  app.use(async (c, next) => {
    const requestId = requestIdOf(c.req.raw.headers.get("x-request-id"));
    c.set("requestId", requestId);
    const started = performance.now();
    const minLsn = lastWriteOf(c.req.raw.headers);
    await withRequestScope({ requestId, ...(minLsn && { minLsn }) }, next);
    // A service calling another never reads the position back: the public request that made the call
    // reads it once at its end, and every schema shares one WAL, so it covers the callee's writes too.
    const internal = c.req.path.startsWith("/internal/");
    if (
      options.writePosition &&
      !internal &&
      !["GET", "HEAD", "OPTIONS"].includes(c.req.method) &&
      c.res.status < 400
    ) {
      const lsn = await options.writePosition().catch(() => null);
      if (lsn) {
        c.header(LSN_HEADER, lsn);
        const secure = requestOrigin(c.req.raw, socketAddress(c), proxyHops).protocol === "https";
        setCookie(c, LSN_COOKIE, lsn, { path: "/", httpOnly: true, sameSite: "Lax", maxAge: 300, secure });
      }
    }
    try {
      addHostHeaders(c.res, requestId);
    } catch {
      // A response with immutable headers: a mutable copy takes them.
      c.res = new Response(c.res.body, c.res);
      addHostHeaders(c.res, requestId);
    }
    // While shutting down, every answer closes its connection: a kept-alive connection the server
    // closes later could carry a request the client already sent.
    if (draining) c.res.headers.set("Connection", "close");
    logRequest(requestId, c.req.method, c.req.path, c.res.status, started, currentSpanContext());
  });

  app.use("/api/*", apiCors(options.corsOrigins ?? []));

  for (const name of Object.keys(options.routers)) {
    const endpoint = `/api/${name}/trpc`;
    if (options.metrics)
      app.use(`${endpoint}/*`, options.metrics.measure(name, options.routers[name]!, endpoint));
    app.use(`${endpoint}/*`, trpcRequestGuard({ endpoint, maxBatchSize }));
  }

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) =>
        errorResponse(c, "PAYLOAD_TOO_LARGE", `request body exceeds ${options.maxBodyBytes} bytes`),
    }),
  );

  const cached = options.responseCache && responseCache({ ...options.responseCache, maxBatchSize });
  if (cached) app.use("/api/*", cached);

  app.get("/healthz", (c) => hostResponse(HEALTHY, 200, JSON_HEADERS, c.get("requestId")));
  app.get("/readyz", async (c) => {
    if (draining) return c.json({ status: "draining" }, 503);
    try {
      await options.ready();
      return c.json({ status: "ready" });
    } catch (error) {
      return c.json({ status: "unavailable", reason: String((error as Error).message ?? error) }, 503);
    }
  });

  for (const [name, router] of Object.entries(options.routers)) {
    const endpoint = `/api/${name}/trpc`;
    app.all(`${endpoint}/*`, async (c) => {
      let origin: RequestOrigin | undefined;
      const meta: RequestMeta = {
        requestId: c.get("requestId"),
        origin: () => (origin ??= requestOrigin(c.req.raw, socketAddress(c), proxyHops)),
      };
      // The request scope (its id, its last write) was opened by the first middleware.
      const response = await fetchRequestHandler({
        endpoint,
        req: c.req.raw,
        router,
        allowMethodOverride: true,
        maxBatchSize,
        ...PATCHED_TRPC_OPTIONS,
        createContext: ({ resHeaders }) => options.createContext(c.req.raw, resHeaders, meta),
        // A throttled caller learns when to come back, in the header every HTTP client understands.
        responseMeta: ({ errors }) => {
          const retryAfter = errors
            .map(
              (e) =>
                (e.cause as { details?: { retryAfterSeconds?: unknown } } | undefined)?.details
                  ?.retryAfterSeconds,
            )
            .find((s): s is number => typeof s === "number");
          return retryAfter === undefined
            ? {}
            : { headers: new Headers({ "retry-after": String(retryAfter) }) };
        },
        onError: ({ error, path }) => {
          options.metrics?.failed(c.req.raw, path, error.code);
          if (error.code === "INTERNAL_SERVER_ERROR") {
            options.log.error("procedure failed", {
              requestId: meta.requestId,
              path: `${name}.${path}`,
              error: error.cause ?? error,
            });
          }
        },
      });
      // Errors tRPC raises before a procedure runs come without a content type; they are JSON too.
      if (response.body && !response.headers.has("content-type"))
        response.headers.set("content-type", "application/json");
      return response;
    });
  }

  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? errorResponse(c, "NOT_FOUND", `no such endpoint: ${c.req.path}`)
      : c.text("not found", 404),
  );

  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? newId();
    if (!c.get("requestId")) c.set("requestId", requestId);
    options.log.error("unhandled error", { requestId, error });
    return errorResponse(c, "INTERNAL_SERVER_ERROR", `internal error (request id ${requestId})`);
  });

  // Health checks and stored catalog answers are served before Hono dispatches at all (ADR 135),
  // with the headers, log line and counts the middleware above would have given them; anything else,
  // misses included, goes through it.
  const corsFor = corsForAnswers(options.corsOrigins ?? []);
  const answered = new Map(
    Object.entries(options.routers).map(([name, router]) => {
      const endpoint = `/api/${name}/trpc`;
      return [name, options.metrics?.answered(name, router, endpoint)] as const;
    }),
  );
  const answerEarly = (
    response: Response,
    requestId: string,
    path: string,
    started: number,
    span?: EarlySpan,
  ) => {
    if (draining) response.headers.set("Connection", "close");
    logRequest(requestId, "GET", path, response.status, started, span);
    return response;
  };
  const dispatch = app.fetch;
  app.fetch = (request, env, executionCtx) => {
    if (request.method !== "GET") return dispatch(request, env, executionCtx);
    const started = performance.now();
    if (rawPathOf(request.url) === "/healthz") {
      // Probes are never traced (telemetry/http.ts).
      const requestId = requestIdOf(request.headers.get("x-request-id"));
      return answerEarly(answerAgain(HEALTHY_ANSWER, requestId), requestId, "/healthz", started);
    }
    const lookup = cached ? cached.early(request) : null;
    if (lookup === null) return dispatch(request, env, executionCtx);
    const respond = ({ answer, path }: { answer: StoredAnswer | null; path: string }) => {
      if (answer === null) return dispatch(request, env, executionCtx);
      const requestId = requestIdOf(request.headers.get("x-request-id"));
      const response = hitResponse(answer, corsFor(request.headers.get("origin")), requestId);
      // Only cached procedures are answered early: the path is always a hosted service's.
      const service = SERVICE_OF_PATH.exec(path)?.[1] ?? "";
      answered.get(service)?.(request.url, (performance.now() - started) / 1000);
      const span = traceEarlyAnswer(request, path, service, response.status, requestId, started);
      return answerEarly(response, requestId, path, started, span);
    };
    return lookup instanceof Promise ? lookup.then(respond) : respond(lookup);
  };

  return {
    app,
    /** From now on /readyz answers 503 and every response closes its connection. */
    drain() {
      draining = true;
    },
  };
}
export type Host = ReturnType<typeof createHost>;
