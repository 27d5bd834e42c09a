import { SpanKind } from "@opentelemetry/api";
import {
  ATTR_RPC_METHOD,
  ATTR_RPC_STATUS_CODE,
  ATTR_RPC_SYSTEM_NAME,
} from "@opentelemetry/semantic-conventions";
import { failed, serviceOf, traced, tracingOn } from "./spans.ts";

/** What a tRPC middleware's `next()` resolves to, as far as a span cares. */
type ProcedureResult = { ok: boolean; error?: { code: string; cause?: unknown } };

/**
 * Runs one tRPC procedure inside a span named `<service>.<path>` (`order.checkout`). Every error code
 * is recorded; only INTERNAL_SERVER_ERROR marks the span failed (a declined card is an answer).
 * @example const tracedProcedure = t.middleware(({ path, next }) => traceProcedure(path, next));
 */
export function traceProcedure<R extends ProcedureResult>(path: string, next: () => Promise<R>): Promise<R> {
  if (!tracingOn()) return next();
  const service = serviceOf();
  const name = service ? `${service}.${path}` : path;
  return traced(
    name,
    { kind: SpanKind.INTERNAL, attributes: { [ATTR_RPC_SYSTEM_NAME]: "trpc", [ATTR_RPC_METHOD]: name } },
    async (span) => {
      const result = await next();
      if (!result.ok && result.error && span) {
        span.setAttribute(ATTR_RPC_STATUS_CODE, result.error.code);
        if (result.error.code === "INTERNAL_SERVER_ERROR") failed(span, result.error.cause ?? result.error);
      }
      return result;
    },
  );
}
