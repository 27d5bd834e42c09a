import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import {
  ATTR_ERROR_TYPE,
  ATTR_HTTP_REQUEST_METHOD,
  ATTR_HTTP_RESPONSE_STATUS_CODE,
  ATTR_HTTP_ROUTE,
  ATTR_URL_PATH,
  ATTR_URL_SCHEME,
  ATTR_USER_AGENT_ORIGINAL,
} from "@opentelemetry/semantic-conventions";
import type { Context as HonoContext } from "hono";
import { routePath } from "hono/route";
import { contextFromHeaders } from "./propagation.ts";
import { inService, recordFinishedSpan, traced, tracingOn } from "./spans.ts";

/** Probes and scrapes, polled every few seconds: a trace each would bury the ones that matter. */
const UNTRACED = new Set(["/healthz", "/readyz", "/metrics"]);
/** `/api/<service>/…` and `/internal/<service>/…` belong to that service. */
const SERVICE_PATH = /^\/(?:api|internal)\/([a-z]+)\//;

/**
 * Runs the handling of one request inside a server span: the parent is the caller's `traceparent`
 * (a browser's, NGINX's, another service's), the span is named `METHOD route`, carries the HTTP
 * semantic-convention attributes and the request id (set by a later middleware), and fails on a 5xx. Requests to
 * `/api/<name>/` and `/internal/<name>/` belong to service `name` when it is one of `services`.
 * When tracing is off, only calls `handle`.
 * @example app.use((c, next) => traceRequest(c, new Set(["order"]), next));
 */
export function traceRequest(
  c: HonoContext<{ Variables: { requestId: string } }>,
  services: ReadonlySet<string>,
  handle: () => Promise<void>,
): Promise<void> {
  if (!tracingOn() || UNTRACED.has(c.req.path)) return handle();
  const service = SERVICE_PATH.exec(c.req.path)?.[1];
  const remote = contextFromHeaders(c.req.raw.headers);
  const parent = service && services.has(service) ? inService(remote, service) : remote;
  const url = new URL(c.req.url);
  return traced(
    c.req.method,
    {
      kind: SpanKind.SERVER,
      parent,
      attributes: {
        [ATTR_HTTP_REQUEST_METHOD]: c.req.method,
        [ATTR_URL_PATH]: url.pathname,
        [ATTR_URL_SCHEME]: url.protocol.slice(0, -1),
        [ATTR_USER_AGENT_ORIGINAL]: c.req.header("user-agent") ?? "",
      },
    },
    async (span) => {
      await handle();
      // The route of the handler that answered (a catch-all registered later matches too).
      const route = routePath(c);
      const status = c.res.status;
      span?.updateName(`${c.req.method} ${route}`);
      span?.setAttribute(ATTR_HTTP_ROUTE, route);
      span?.setAttribute(ATTR_HTTP_RESPONSE_STATUS_CODE, status);
      span?.setAttribute("fastr.request_id", c.get("requestId"));
      if (status >= 500) {
        span?.setStatus({ code: SpanStatusCode.ERROR });
        span?.setAttribute(ATTR_ERROR_TYPE, String(status));
      }
    },
  );
}

type EarlyAnswerPage = {
  service: string;
  scheme: string;
  status: number;
  name: string;
  attributes: Attributes;
};
/** Per path, the span name and the attributes every early answer of it shares (one object: encoded once). */
const earlyAnswerPages = new Map<string, EarlyAnswerPage>();
function earlyAnswerAttributes(
  path: string,
  service: string,
  scheme: string,
  status: number,
): EarlyAnswerPage {
  const known = earlyAnswerPages.get(path);
  if (known?.service === service && known.scheme === scheme && known.status === status) return known;
  const route = `/api/${service}/trpc/*`;
  const page = {
    service,
    scheme,
    status,
    name: `GET ${route}`,
    attributes: {
      [ATTR_HTTP_REQUEST_METHOD]: "GET",
      [ATTR_URL_PATH]: path,
      [ATTR_URL_SCHEME]: scheme,
      [ATTR_HTTP_ROUTE]: route,
      [ATTR_HTTP_RESPONSE_STATUS_CODE]: status,
      "fastr.cache": "hit",
    },
  };
  if (earlyAnswerPages.size >= 1_000) earlyAnswerPages.delete(earlyAnswerPages.keys().next().value as string);
  earlyAnswerPages.set(path, page); // paths come from requests: a bounded few
  return page;
}

/**
 * The server span of a request the host answered before its middleware ran (a stored catalog answer,
 * ADR 135), as `traceRequest` would have made it, marked `fastr.cache=hit`, from `startedAt` (a
 * `performance.now()` reading) to now; recorded finished (ADR 151). Returns the ids for the
 * request's log line; undefined while tracing is off.
 * `service` hosts the procedure at `path` (`/api/<service>/trpc/…`).
 * @example const ids = traceEarlyAnswer(request, "/api/product/trpc/list", "product", 200, requestId, started);
 */
export function traceEarlyAnswer(
  request: Request,
  path: string,
  service: string,
  status: number,
  requestId: string,
  startedAt: number,
): { traceId: string; spanId: string } | undefined {
  if (!tracingOn()) return undefined;
  const scheme = request.url.slice(0, request.url.indexOf(":"));
  const page = earlyAnswerAttributes(path, service, scheme, status);
  const recorded = recordFinishedSpan({
    name: page.name,
    kind: SpanKind.SERVER,
    parent: contextFromHeaders(request.headers),
    service,
    startTime: performance.timeOrigin + startedAt,
    sharedAttributes: page.attributes,
    attributes: {
      [ATTR_USER_AGENT_ORIGINAL]: request.headers.get("user-agent") ?? "",
      "fastr.request_id": requestId,
    },
  });
  return recorded;
}
