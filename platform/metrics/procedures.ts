import { type AnyRouter, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { MiddlewareHandler } from "hono";
import type { Registry } from "prom-client";
import { rawPathOf } from "../http/raw-path.ts";
import { procedurePath } from "../http/trpc-request-guard.ts";
import { seriesCounter, seriesHistogram } from "./series.ts";

/** The label value of every procedure a router does not have: one series, however many names are tried. */
export const UNKNOWN_PROCEDURE = "unknown";

/** Seconds; from a cached catalog read (under a millisecond) to a checkout stuck on its provider. */
const BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

/** The tRPC code of each HTTP status tRPC answers with; 400 is BAD_REQUEST (PARSE_ERROR shares it). */
const CODE_OF_STATUS = new Map<number, TRPC_ERROR_CODE_KEY>();
for (const code of Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[]) {
  const status = getHTTPStatusCodeFromError(new TRPCError({ code }));
  if (!CODE_OF_STATUS.has(status) || code === "BAD_REQUEST") CODE_OF_STATUS.set(status, code);
}
const codeOfStatus = (status: number) =>
  status < 400
    ? "OK"
    : (CODE_OF_STATUS.get(status) ?? (status >= 500 ? "INTERNAL_SERVER_ERROR" : "BAD_REQUEST"));
/** Codes answered with HTTP 5xx: the server's failures, not the caller's. */
const SERVER_SIDE = new Set(
  (Object.keys(TRPC_ERROR_CODES_BY_KEY) as TRPC_ERROR_CODE_KEY[]).filter(
    (code) => getHTTPStatusCodeFromError(new TRPCError({ code })) >= 500,
  ),
);

type Failure = { path: string | undefined; code: string };

/**
 * Calls, errors and durations of every public procedure, measured around the whole tRPC endpoint so
 * that calls refused before tRPC (bad method, oversized batch, body limit) and calls answered from the
 * response cache count too. Labels: `service` (the router), `procedure` (its path, or `unknown` for a
 * name the router lacks, so a scanner cannot mint series) and `code` (`OK` or the tRPC error code).
 * A batch's calls each count, with their own code, and share their request's duration.
 */
export function procedureMetrics(registry: Registry) {
  const calls = seriesCounter(registry, {
    name: "fastr_procedure_calls_total",
    help: "Procedure calls answered, by service, procedure and tRPC code (OK when it succeeded)",
  });
  const errors = seriesCounter(registry, {
    name: "fastr_procedure_errors_total",
    help: "Procedure calls that failed on the server's side (codes answered with HTTP 5xx)",
  });
  const duration = seriesHistogram(registry, {
    name: "fastr_procedure_duration_seconds",
    help: "Time to answer the HTTP request carrying the call (a batch's calls share it)",
    buckets: BUCKETS,
  });
  /** The calls of a request that tRPC reported failed, by the request they came in. */
  const failures = new WeakMap<Request, Failure[]>();

  /** The code of one call of the request: its own failure, the request's failure, or the status's. */
  const codeOf = (failed: Failure[], path: string, status: number) => {
    const own = failed.findIndex((f) => f.path === path);
    if (own !== -1) return failed.splice(own, 1)[0]!.code;
    return failed.find((f) => f.path === undefined)?.code ?? codeOfStatus(status);
  };

  /** One procedure's series: made once, bumped on every call. */
  const procedureSeries = (service: string, procedure: string) => {
    const ok = calls.series({ service, procedure, code: "OK" });
    return {
      duration: duration.series({ service, procedure }),
      answered(code: string) {
        if (code === "OK") return ok.inc();
        calls.series({ service, procedure, code }).inc();
        if (SERVER_SIDE.has(code as TRPC_ERROR_CODE_KEY)) errors.series({ service, procedure, code }).inc();
      },
    };
  };
  type Call = { path: string; series: ReturnType<typeof procedureSeries> };

  /** Per endpoint, the calls a request path makes (tRPC's reading of it), remembered for a bounded few paths. */
  const callsOf = (service: string, router: AnyRouter, endpoint: string) => {
    const known = new Map(
      [...Object.keys(router._def.procedures), UNKNOWN_PROCEDURE].map((p) => [
        p,
        procedureSeries(service, p),
      ]),
    );
    const byPath = new Map<string, Call[]>();
    return (url: string): Call[] => {
      const raw = rawPathOf(url);
      let found = byPath.get(raw);
      if (!found) {
        const paths = procedurePath(url, endpoint)?.split(",") ?? [UNKNOWN_PROCEDURE];
        found = paths.map((path) => ({ path, series: (known.get(path) ?? known.get(UNKNOWN_PROCEDURE))! }));
        if (byPath.size < 1_000) byPath.set(raw, found); // paths come from requests
      }
      return found;
    };
  };

  return {
    /**
     * Middleware for `<endpoint>/*`, placed before anything that may answer for tRPC.
     * @example app.use("/api/order/trpc/*", metrics.procedures.measure("order", orderRouter, "/api/order/trpc"));
     */
    measure(service: string, router: AnyRouter, endpoint: string): MiddlewareHandler {
      const callsIn = callsOf(service, router, endpoint);
      return async (c, next) => {
        if (c.req.method === "OPTIONS") return next();
        const started = performance.now();
        const failed: Failure[] = [];
        failures.set(c.req.raw, failed);
        await next();
        const seconds = (performance.now() - started) / 1000;
        for (const { path, series } of callsIn(c.req.url)) {
          series.answered(codeOf(failed, path, c.res.status));
          series.duration.observe(seconds);
        }
      };
    },
    /**
     * For answers given before the middleware chain runs (cached catalog answers, ADR 135): counts a
     * successful call of each procedure in the URL, as `measure` would have.
     */
    answered(service: string, router: AnyRouter, endpoint: string) {
      const callsIn = callsOf(service, router, endpoint);
      return (url: string, seconds: number) => {
        for (const { series } of callsIn(url)) {
          series.answered("OK");
          series.duration.observe(seconds);
        }
      };
    },
    /**
     * tRPC's `onError` for the same endpoint: the code of a call that failed (path undefined when the
     * whole request failed, e.g. unparseable input).
     */
    failed(req: Request, path: string | undefined, code: TRPC_ERROR_CODE_KEY) {
      failures.get(req)?.push({ path, code });
    },
  };
}
export type ProcedureMetrics = ReturnType<typeof procedureMetrics>;
