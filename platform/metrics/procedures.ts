import { type AnyRouter, TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { MiddlewareHandler } from "hono";
import { Counter, Histogram, type Registry } from "prom-client";
import { procedurePath } from "../http/trpc-request-guard.ts";

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
const serverSide = (code: string) =>
  code !== "OK" && getHTTPStatusCodeFromError(new TRPCError({ code: code as TRPC_ERROR_CODE_KEY })) >= 500;

type Failure = { path: string | undefined; code: string };

/**
 * Calls, errors and durations of every public procedure, measured around the whole tRPC endpoint so
 * that calls refused before tRPC (bad method, oversized batch, body limit) and calls answered from the
 * response cache count too. Labels: `service` (the router), `procedure` (its path, or `unknown` for a
 * name the router lacks, so a scanner cannot mint series) and `code` (`OK` or the tRPC error code).
 * A batch's calls each count, with their own code, and share their request's duration.
 */
export function procedureMetrics(registry: Registry) {
  const calls = new Counter({
    name: "fastr_procedure_calls_total",
    help: "Procedure calls answered, by service, procedure and tRPC code (OK when it succeeded)",
    labelNames: ["service", "procedure", "code"],
    registers: [registry],
  });
  const errors = new Counter({
    name: "fastr_procedure_errors_total",
    help: "Procedure calls that failed on the server's side (codes answered with HTTP 5xx)",
    labelNames: ["service", "procedure", "code"],
    registers: [registry],
  });
  const duration = new Histogram({
    name: "fastr_procedure_duration_seconds",
    help: "Time to answer the HTTP request carrying the call (a batch's calls share it)",
    labelNames: ["service", "procedure"],
    buckets: BUCKETS,
    registers: [registry],
  });
  /** The calls of a request that tRPC reported failed, by the request they came in. */
  const failures = new WeakMap<Request, Failure[]>();

  /** The code of one call of the request: its own failure, the request's failure, or the status's. */
  const codeOf = (failed: Failure[], path: string, status: number) => {
    const own = failed.findIndex((f) => f.path === path);
    if (own !== -1) return failed.splice(own, 1)[0]!.code;
    return failed.find((f) => f.path === undefined)?.code ?? codeOfStatus(status);
  };

  return {
    /**
     * Middleware for `<endpoint>/*`, placed before anything that may answer for tRPC.
     * @example app.use("/api/order/trpc/*", metrics.procedures.measure("order", orderRouter, "/api/order/trpc"));
     */
    measure(service: string, router: AnyRouter, endpoint: string): MiddlewareHandler {
      const known = new Set(Object.keys(router._def.procedures));
      return async (c, next) => {
        if (c.req.method === "OPTIONS") return next();
        const started = performance.now();
        const failed: Failure[] = [];
        failures.set(c.req.raw, failed);
        await next();
        const seconds = (performance.now() - started) / 1000;
        const paths = procedurePath(c.req.url, endpoint)?.split(",") ?? [UNKNOWN_PROCEDURE];
        for (const path of paths) {
          const procedure = known.has(path) ? path : UNKNOWN_PROCEDURE;
          const code = codeOf(failed, path, c.res.status);
          calls.inc({ service, procedure, code });
          if (serverSide(code)) errors.inc({ service, procedure, code });
          duration.observe({ service, procedure }, seconds);
        }
      };
    },
    /**
     * For answers given before the middleware chain runs (cached catalog answers, ADR 135): counts a
     * successful call of each procedure in the URL, as `measure` would have.
     */
    answered(service: string, router: AnyRouter, endpoint: string) {
      const known = new Set(Object.keys(router._def.procedures));
      return (url: string, seconds: number) => {
        for (const path of procedurePath(url, endpoint)?.split(",") ?? [UNKNOWN_PROCEDURE]) {
          const procedure = known.has(path) ? path : UNKNOWN_PROCEDURE;
          calls.inc({ service, procedure, code: "OK" });
          duration.observe({ service, procedure }, seconds);
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
