import { context, type Span, SpanKind, trace } from "@opentelemetry/api";
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_SYSTEM_NAME,
  ATTR_SERVER_ADDRESS,
  ATTR_SERVER_PORT,
} from "@opentelemetry/semantic-conventions";
import { inService, serviceOf, tracedChild, tracingOn } from "./spans.ts";

/**
 * Runs a call to another service over the network as a CLIENT span `<service>.<method>`; headers
 * sent inside `fn` carry it as their `traceparent` (see `traceHeaders`), so the callee's spans are
 * its children. Nothing when tracing is off or the caller is not traced.
 * @example traceCall("product", "reserve", (span) => send(...))
 */
export function traceCall<T>(service: string, method: string, fn: (span?: Span) => Promise<T>): Promise<T> {
  const name = `${service}.${method}`;
  return tracedChild(
    name,
    { kind: SpanKind.CLIENT, attributes: { [ATTR_RPC_SYSTEM_NAME]: "trpc", [ATTR_RPC_METHOD]: name } },
    fn,
  );
}

/** Names the instance a call attempt goes to, on the call's span. */
export function callTarget(span: Span | undefined, baseUrl: string) {
  if (!span) return;
  const url = new URL(baseUrl);
  span.setAttribute(ATTR_SERVER_ADDRESS, url.hostname);
  if (url.port) span.setAttribute(ATTR_SERVER_PORT, Number(url.port));
}

/**
 * A service's API as seen from another service in the same process (the embedded shape): while
 * tracing, each call from outside `service` runs in an INTERNAL span `<service>.<method>` that
 * belongs to `service`, so its SQL and cache spans do too. Calls from within the service, and every
 * call while tracing is off, go straight through. (Service APIs are async: a traced call returns a promise.)
 * @example deps.product = serviceBoundary("product", productApi);
 */
export function serviceBoundary<Api extends object>(service: string, api: Api): Api {
  const methods = new Map<PropertyKey, unknown>();
  return new Proxy(api, {
    get(target, key) {
      const value = Reflect.get(target, key);
      if (typeof value !== "function") return value;
      let method = methods.get(key);
      if (!method) {
        method = (...args: unknown[]) =>
          callInto(service, String(key), () => (value as (...a: unknown[]) => unknown).apply(target, args));
        methods.set(key, method);
      }
      return method;
    },
  });
}

function callInto(service: string, method: string, call: () => unknown): unknown {
  if (!tracingOn() || serviceOf() === service || !trace.getSpan(context.active())) return call();
  const name = `${service}.${method}`;
  return tracedChild(
    name,
    {
      kind: SpanKind.INTERNAL,
      parent: inService(context.active(), service),
      attributes: { [ATTR_RPC_SYSTEM_NAME]: "in-process", [ATTR_RPC_METHOD]: name },
    },
    async () => call(),
  );
}
