import type { AnyRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { type Context, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import { getConnInfo } from "hono/bun";
import { secureHeaders } from "hono/secure-headers";
import { newId } from "../ids.ts";
import type { Logger } from "../log.ts";
import { type ResponseCacheOptions, responseCache } from "./response-cache.ts";

export type RequestMeta = { requestId: string; ip: string };

export type HostOptions = {
  /** Each router is served at `/api/<name>/trpc/<procedure>`. */
  routers: Record<string, AnyRouter>;
  createContext: (req: Request, resHeaders: Headers, meta: RequestMeta) => unknown;
  log: Logger;
  maxBodyBytes: number;
  /** Take the client address from X-Forwarded-For (only behind a proxy you run). */
  trustProxy: boolean;
  /** Throws when a dependency is down; /readyz answers 503 then. */
  ready: () => Promise<void>;
  /** Public queries answered from stored responses (see responseCache). */
  responseCache?: ResponseCacheOptions;
};

export type HostEnv = { Variables: { requestId: string } };
type Env = HostEnv;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A tRPC-shaped error body for failures that happen before tRPC sees the request. */
const errorBody = (code: string, httpStatus: number, message: string, requestId: string) => ({
  error: { json: { message, code: -32600, data: { code, httpStatus, requestId } } },
});

function clientAddress(c: Context<Env>, trustProxy: boolean) {
  if (trustProxy) {
    const forwarded = c.req.header("x-forwarded-for")?.split(",")[0]?.trim();
    if (forwarded) return forwarded;
  }
  try {
    return getConnInfo(c).remote.address ?? "unknown";
  } catch {
    return "unknown"; // app.request() in tests has no socket
  }
}

/**
 * The Hono app every shape serves: request ids, one JSON log line per request, security headers,
 * a body limit, health and readiness, and each service's tRPC router under `/api/<name>/trpc`.
 * @example const host = createHost({ routers: serviceRouters, createContext, log, maxBodyBytes, trustProxy: false, ready });
 *          Bun.serve({ port: 3000, fetch: host.app.fetch });
 */
export function createHost(options: HostOptions) {
  const app = new Hono<Env>();
  let draining = false;

  app.use(async (c, next) => {
    const given = c.req.header("x-request-id");
    const requestId = given && REQUEST_ID.test(given) ? given : newId();
    c.set("requestId", requestId);
    const started = performance.now();
    await next();
    c.header("X-Request-Id", requestId);
    options.log.info("request", {
      requestId,
      method: c.req.method,
      path: c.req.path,
      status: c.res.status,
      ms: Math.round((performance.now() - started) * 100) / 100,
    });
  });

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        imgSrc: ["'self'", "data:"],
        styleSrc: ["'self'", "'unsafe-inline'"],
        scriptSrc: ["'self'"],
        frameAncestors: ["'none'"],
      },
    }),
  );

  app.use(
    "/api/*",
    bodyLimit({
      maxSize: options.maxBodyBytes,
      onError: (c) =>
        c.json(
          errorBody(
            "PAYLOAD_TOO_LARGE",
            413,
            `request body exceeds ${options.maxBodyBytes} bytes`,
            c.get("requestId"),
          ),
          413,
        ),
    }),
  );

  if (options.responseCache) app.use("/api/*", responseCache(options.responseCache));

  app.get("/healthz", (c) => c.json({ status: "ok" }));
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
    app.all(`${endpoint}/*`, (c) => {
      const meta = { requestId: c.get("requestId"), ip: clientAddress(c, options.trustProxy) };
      return fetchRequestHandler({
        endpoint,
        req: c.req.raw,
        router,
        allowMethodOverride: true,
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
          if (error.code === "INTERNAL_SERVER_ERROR") {
            options.log.error("procedure failed", {
              requestId: meta.requestId,
              path: `${name}.${path}`,
              error: error.cause ?? error,
            });
          }
        },
      });
    });
  }

  app.notFound((c) =>
    c.req.path.startsWith("/api/")
      ? c.json(errorBody("NOT_FOUND", 404, `no such endpoint: ${c.req.path}`, c.get("requestId")), 404)
      : c.text("not found", 404),
  );

  app.onError((error, c) => {
    const requestId = c.get("requestId") ?? "unknown";
    options.log.error("unhandled error", { requestId, error });
    return c.json(
      errorBody("INTERNAL_SERVER_ERROR", 500, `internal error (request id ${requestId})`, requestId),
      500,
    );
  });

  return {
    app,
    /** From now on /readyz answers 503 so load balancers stop sending traffic. */
    drain() {
      draining = true;
    },
  };
}
export type Host = ReturnType<typeof createHost>;
