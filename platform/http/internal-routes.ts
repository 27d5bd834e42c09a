import type { AnyRouter } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import type { Hono } from "hono";
import type { Logger } from "../log.ts";
import type { HostEnv } from "./host.ts";
import { SIGNATURE_WINDOW_MS, verifyRequest } from "./signature.ts";

export type InternalRoutesOptions = {
  /** Each router is served at `/internal/<name>/trpc/<procedure>`. */
  routers: Record<string, AnyRouter>;
  secret: string;
  /** True the first time a nonce is seen within `ttlMs`, false for a replay (shared across instances). */
  firstUse: (nonce: string, ttlMs: number) => Promise<boolean>;
  log: Logger;
};

const refusal = (message: string, requestId: string) => ({
  error: { json: { message, code: -32001, data: { code: "UNAUTHORIZED", httpStatus: 401, requestId } } },
});

/**
 * Service-to-service procedures, each request proven by the internal credential (see signature.ts):
 * an unsigned, forged, stale or replayed request is refused before tRPC sees it.
 * @example mountInternalRoutes(host.app, { routers: { product: internalRouter(productInternal, product) }, secret, firstUse, log });
 */
export function mountInternalRoutes(app: Hono<HostEnv>, options: InternalRoutesOptions) {
  for (const [name, router] of Object.entries(options.routers)) {
    const endpoint = `/internal/${name}/trpc`;
    app.all(`${endpoint}/*`, async (c) => {
      const requestId = c.get("requestId");
      const body = await c.req.text();
      const url = new URL(c.req.url);
      const verdict = verifyRequest(options.secret, {
        method: c.req.method,
        pathAndQuery: url.pathname + url.search,
        body,
        header: (h) => c.req.header(h),
      });
      if (!verdict.ok) {
        options.log.warn("internal call refused", { requestId, path: url.pathname, reason: verdict.reason });
        return c.json(refusal(`internal credential ${verdict.reason}`, requestId), 401);
      }
      if (!(await options.firstUse(verdict.nonce, 2 * SIGNATURE_WINDOW_MS))) {
        options.log.warn("internal call refused", { requestId, path: url.pathname, reason: "replayed" });
        return c.json(refusal("internal credential replayed", requestId), 401);
      }
      return fetchRequestHandler({
        endpoint,
        req: new Request(c.req.url, { method: c.req.method, headers: c.req.raw.headers, body: body || null }),
        router,
        createContext: () => ({ requestId }),
        onError: ({ error, path }) => {
          if (error.code === "INTERNAL_SERVER_ERROR") {
            options.log.error("internal procedure failed", {
              requestId,
              path: `${name}.${path}`,
              error: error.cause ?? error,
            });
          }
        },
      });
    });
  }
}
